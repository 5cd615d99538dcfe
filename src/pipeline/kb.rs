//! The knowledge base: countries, regions, cities, people and organisations with their name variants,
//! countries, roles and Wikidata ids, loaded from `data/kb/*.tsv` (files a user can extend).

use super::data::DataFiles;
use super::LoadError;

/// A place the knowledge base knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRecord {
    /// Canonical name, nominative.
    pub name: String,
    /// country | city | region | landmark | …
    pub subtype: String,
    /// ISO 3166-1 alpha-2 of the country it is in (or is).
    pub country: Option<String>,
    /// Wikidata QID.
    pub wikidata: Option<String>,
}

/// Everything the entity stage links names to.
#[derive(Debug, Default)]
pub struct KnowledgeBase {
    places: Vec<(String, PlaceRecord)>,
}

impl KnowledgeBase {
    /// Loads `kb/places.tsv`.
    pub fn load(files: &DataFiles) -> Result<Self, LoadError> {
        let mut places = Vec::new();
        for (line, fields) in files.records("kb/places.tsv")? {
            let [name, subtype, country, wikidata, variants @ ..] = fields.as_slice() else {
                return Err(DataFiles::syntax(
                    "kb/places.tsv",
                    line,
                    "expected name, subtype, country, wikidata",
                ));
            };
            let record = PlaceRecord {
                name: name.clone(),
                subtype: subtype.clone(),
                country: Some(country.clone()).filter(|c| !c.is_empty()),
                wikidata: Some(wikidata.clone()).filter(|c| !c.is_empty()),
            };
            places.push((name.to_lowercase(), record.clone()));
            for v in variants.iter().flat_map(|v| v.split('|')) {
                places.push((v.to_lowercase(), record.clone()));
            }
        }
        Ok(KnowledgeBase { places })
    }

    /// The place a name (any case form the KB lists, any letter case) refers to.
    pub fn place(&self, name: &str) -> Option<&PlaceRecord> {
        let key = name.to_lowercase();
        self.places.iter().find(|(k, _)| *k == key).map(|(_, r)| r)
    }
}
