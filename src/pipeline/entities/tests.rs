//! Tests of the entity stage on the sample releases (stage functions called directly: the decode, parse,
//! dateline and quote stages are other helpers' work).

use std::sync::OnceLock;

use super::grouping::entity_id;
use super::tokens::{tokenize, Shape};
use super::*;
use crate::pipeline::data::DataFiles;
use crate::pipeline::kb::cue;
use crate::pipeline::morph;
use crate::pipeline::parse::{self, Release};
use crate::pipeline::text::fold::russian_lower_run;
use crate::pipeline::text::words::spaced_word_count as word_count;
use crate::pipeline::types::Format;

pub(crate) fn kb() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| KnowledgeBase::load(&DataFiles::new(None)).unwrap())
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("sample {name}: {e}"))
}

pub(crate) fn release(text: &str) -> Release {
    parse::parse(text, Format::Wire).unwrap()
}

/// A dateline as the dateline stage gives it: the span of `raw` in the text, and its city.
fn dateline(text: &str, raw: &str, city: &str, country: &str) -> Dateline {
    let start = text.find(raw).unwrap();
    Dateline {
        span: Span::new(start, start + raw.len()),
        city: Some(city.into()),
        country: Some(country.into()),
        date: None,
        month_day: None,
        time: None,
        agency: None,
        byline: None,
        lead: None,
    }
}

pub(crate) fn entities_of(
    name: &str,
    language: &str,
    d: Option<(&str, &str, &str)>,
) -> (String, Vec<Entity>) {
    let text = sample(name);
    let r = release(&text);
    let d = d.map(|(raw, city, country)| dateline(&text, raw, city, country));
    let e = find(&text, &r, d.as_ref(), language, kb(), &[]);
    (text, e)
}

pub(crate) fn named<'e>(entities: &'e [Entity], name: &str) -> &'e Entity {
    entities.iter().find(|e| e.name == name).unwrap_or_else(|| {
        panic!("no entity {name} in {:?}", entities.iter().map(|e| (&e.name, e.kind)).collect::<Vec<_>>())
    })
}

pub(crate) fn span_of(text: &str, needle: &str, nth: usize) -> Span {
    let start = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("{needle} #{nth}")).0;
    Span::new(start, start + needle.len())
}

const SEED: &str = "sayasat-2025-08-22.txt";

pub(crate) fn seed() -> (String, Vec<Entity>) {
    entities_of(SEED, "ru", Some(("Бишкек, \"САЯСАТ.KG\".", "Бишкек", "KG")))
}

#[test]
fn the_seed_gives_its_presidents_in_the_nominative_with_roles_and_countries() {
    let (_, es) = seed();
    let japarov = named(&es, "Садыр Жапаров");
    assert_eq!((japarov.kind, japarov.country.as_deref()), (EntityKind::Person, Some("KG")));
    assert_eq!(japarov.roles, ["Президент Кыргызской Республики"]);
    let tokayev = named(&es, "Касым-Жомарт Токаев");
    assert_eq!((tokayev.kind, tokayev.country.as_deref()), (EntityKind::Person, Some("KZ")));
    assert_eq!(tokayev.roles, ["Президент Республики Казахстан"]);
    assert_eq!(tokayev.mentions.len(), 3, "headline, lead paragraph and the nominative mention");
    assert_eq!(es[0].id, "person:1", "ids follow the first mention: Жапаров opens the headline");
    assert!(es.iter().map(|e| e.id.as_str()).eq(es
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{}:{}", e.kind.as_str(), i + 1))
        .collect::<Vec<_>>()
        .iter()
        .map(String::as_str)));
}

#[test]
fn the_seed_names_its_historical_figures_as_people_not_places() {
    let (text, es) = seed();
    // Абай and Токтогул are in the knowledge base under their full names; Чингиз and Мухтар come from the rules.
    for (name, mention) in [
        ("Токтогул Сатылганов", "Токтогул"),
        ("Абай Кунанбаев", "Абай"),
        ("Чингиз", "Чингиз"),
        ("Мухтар", "Мухтар"),
    ] {
        let e = named(&es, name);
        assert_eq!(e.kind, EntityKind::Person, "{name}");
        assert_eq!(e.mentions.len(), 1);
        assert_eq!(morph::stem(e.mentions[0].of(&text)), morph::stem(mention));
    }
}

#[test]
fn the_seed_places_are_linked_and_the_dateline_city_is_one_of_them() {
    let (text, es) = seed();
    let bishkek = named(&es, "Бишкек");
    assert_eq!((bishkek.subtype.as_deref(), bishkek.country.as_deref()), (Some("city"), Some("KG")));
    assert_eq!(bishkek.wikidata.as_deref(), Some("Q9361"));
    assert_eq!(bishkek.mentions[0].of(&text), "Бишкек");
    assert!(bishkek.mentions[0].start < text.find("САЯСАТ").unwrap(), "mentioned at the dateline");
    let kg = named(&es, "Кыргызстан");
    assert_eq!((kg.subtype.as_deref(), kg.country.as_deref()), (Some("country"), Some("KG")));
    assert!(kg.mentions.iter().any(|m| m.of(&text) == "Кыргызской Республики"));
    assert_eq!(named(&es, "Казахстан").country.as_deref(), Some("KZ"));
    assert!(!es.iter().any(|e| e.name.contains("САЯСАТ")), "the agency in the dateline is not a subject");
    let places: Vec<&str> =
        es.iter().filter(|e| e.kind == EntityKind::Place).map(|e| e.name.as_str()).collect();
    assert!(!places.iter().any(|p| ["Абай", "Токтогул"].contains(p)));
}

#[test]
fn sample_people_come_out_in_the_nominative_with_roles() {
    let (_, es) = entities_of("sputnik-style-2025-03-14.txt", "ru", None);
    assert_eq!(named(&es, "Сооронбай Жээнбеков").country.as_deref(), Some("KG"));
    assert!(named(&es, "Сооронбай Жээнбеков").roles[0].starts_with("Президент Кыргыз"));
    assert_eq!(named(&es, "Шавкат Мирзиёев").mentions.len(), 3, "headline, instrumental case, nominative");
    let (_, es) = entities_of("tass-style-2025-03-04.txt", "ru", None);
    assert!(named(&es, "Сергей Лавров").roles[0].starts_with("Министр иностранных дел"));
    assert_eq!(named(&es, "Жээнбек Кулубаев").country.as_deref(), Some("KG"));
    assert!(named(&es, "Мария Захарова").roles[0].to_lowercase().starts_with("официальный представитель"));
    let (_, es) = entities_of("kazinform-style-2025-05-20.txt", "ru", None);
    assert!(
        !named(&es, "Касым-Жомарт Токаев").roles.iter().any(|r| r.contains("аким")),
        "he appointed, not was appointed"
    );
    let s = named(&es, "Марат Султангазиев");
    assert_eq!(s.roles, ["аким Алматинской области"]);
    assert_eq!(s.mentions.len(), 2, "the surname alone joins the full name");
    assert_eq!(named(&es, "Алматинская область").subtype.as_deref(), Some("region"));
    let (_, es) = entities_of("24kg-style-2022-01-10.txt", "ru", None);
    assert_eq!(
        named(&es, "Михаил Мясникович").roles,
        ["Председатель Коллегии Евразийской экономической комиссии"]
    );
}

#[test]
fn sample_organisations_come_out_in_the_nominative() {
    let (text, es) = entities_of("tass-style-2025-03-04.txt", "ru", None);
    let csto = named(&es, "Организация Договора о коллективной безопасности");
    assert_eq!(csto.kind, EntityKind::Organisation);
    assert!(csto.mentions.iter().any(|m| m.of(&text) == "ОДКБ"));
    assert!(!es.iter().any(|e| e.name.starts_with("министерства")), "a plural is no organisation");
    let (_, es) = entities_of("24kg-style-2022-01-10.txt", "ru", None);
    assert_eq!(named(&es, "Евразийский экономический союз").mentions.len(), 2, "ЕАЭС and the full name");
    assert_eq!(named(&es, "Евразийская экономическая комиссия").kind, EntityKind::Organisation);
    let (_, es) = entities_of("kazinform-style-2025-05-20.txt", "ru", None);
    assert_eq!(named(&es, "Байтерек").kind, EntityKind::Organisation);
}

#[test]
fn english_releases_give_people_places_and_organisations() {
    let (text, es) = entities_of("kabar-style-en-2025-06-23.txt", "en", None);
    let tashiev = named(&es, "Kamchybek Tashiev");
    assert_eq!((tashiev.kind, tashiev.country.as_deref()), (EntityKind::Person, Some("KG")));
    assert!(tashiev.mentions.iter().any(|m| m.of(&text) == "Tashiev"));
    assert_eq!(tashiev.roles, ["Chairman of the State Committee for National Security"]);
    for place in ["Batken", "Dushanbe", "Kyrgyzstan", "Tajikistan"] {
        assert_eq!(named(&es, place).kind, EntityKind::Place, "{place}");
    }
    assert_eq!(named(&es, "Dushanbe").country.as_deref(), Some("TJ"));
    assert_eq!(named(&es, "State Committee for National Security").kind, EntityKind::Organisation);
}

#[test]
fn unknown_names_are_found_and_put_in_the_nominative() {
    let text =
        "Губернатор Тверской области Игорь Руденя встретился с Анной Петровой и Азаматом Жолдошбек уулу \
                в Твери. Представители компании «Вектор Плюс» и Министерства обороны тоже были там.";
    let es = find(text, &release(text), None, "ru", kb(), &[]);
    let igor = named(&es, "Игорь Руденя");
    assert_eq!(igor.roles, ["Губернатор Тверской области"]);
    assert_eq!(named(&es, "Анна Петрова").kind, EntityKind::Person);
    assert_eq!(named(&es, "Азамат Жолдошбек уулу").kind, EntityKind::Person);
    assert_eq!(named(&es, "Тверская область").kind, EntityKind::Place);
    assert_eq!(named(&es, "Вектор Плюс").kind, EntityKind::Organisation);
    assert_eq!(named(&es, "Министерство обороны").kind, EntityKind::Organisation);
}

#[test]
fn model_candidates_are_normalised_and_the_knowledge_base_wins() {
    let text = "Делегация прибыла в Бишкеке на встречу с Петром Сидоренко из фирмы Ромашка.";
    let candidates = [
        (span_of(text, "Бишкеке", 0), EntityKind::Person),
        (span_of(text, "Петром Сидоренко", 0), EntityKind::Person),
        (span_of(text, "Ромашка", 0), EntityKind::Organisation),
    ];
    let es = find(text, &release(text), None, "ru", kb(), &candidates);
    assert_eq!(named(&es, "Бишкек").kind, EntityKind::Place);
    assert_eq!(named(&es, "Пётр Сидоренко").kind, EntityKind::Person);
    assert_eq!(named(&es, "Ромашка").kind, EntityKind::Organisation);
}

/// End to end through the whole pipeline; only what the entity stage decides is asserted here
/// (tests/normalize.rs covers the rest).
#[test]
fn the_seed_through_the_pipeline_names_its_people_and_places() {
    use crate::pipeline::{Pipeline, RawInput};
    let text = sample(SEED);
    let envelope = Pipeline::builtin().normalize(&RawInput::from_bytes(text.as_bytes())).unwrap();
    let names = |c: &[crate::event::Concept]| c.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let people = names(&envelope.item.people);
    for person in ["Садыр Жапаров", "Касым-Жомарт Токаев", "Токтогул", "Абай", "Чингиз", "Мухтар"]
    {
        // The knowledge base knows Абай and Токтогул by their full names.
        assert!(people.iter().any(|p| p.starts_with(person)), "{person} in {people:?}");
    }
    let places = names(&envelope.item.places);
    for place in ["Бишкек", "Кыргызстан", "Казахстан"] {
        assert!(places.contains(&place.to_string()), "{place} in {places:?}");
    }
    assert!(!places.iter().any(|p| p.starts_with("Абай") || p.starts_with("Токтогул")));
    let kg = envelope.x.entities.iter().find(|e| e.name == "Кыргызстан").unwrap();
    assert_eq!((kg.kind.as_str(), kg.country.as_deref()), ("place", Some("KG")));
    assert!(kg.mentions.iter().any(|m| m.text == "Кыргызской Республики"));
    let japarov = envelope.x.entities.iter().find(|e| e.name == "Садыр Жапаров").unwrap();
    assert_eq!(japarov.roles, ["Президент Кыргызской Республики"]);
}

#[test]
fn token_shapes_agree_with_the_unicode_tables() {
    for token in ["МИДа", "Hello", "24.kg", "Кара-Балта", "Київ", "ΣΟΦΙΑ", "«", "ООН", "Ёлка", "IV", "x2"]
    {
        let shape = Shape::of(token);
        let letters = token.chars().filter(|c| !c.is_ascii_digit()).count();
        assert_eq!(shape.chars, token.chars().count(), "{token}");
        assert_eq!(shape.letters, letters, "{token}");
        assert_eq!(shape.first_upper, token.chars().next().is_some_and(char::is_uppercase), "{token}");
        let all_upper = token.chars().all(|c| c.is_ascii_digit() || c == '-' || c.is_uppercase());
        assert_eq!(shape.all_upper, all_upper, "{token}");
        assert_eq!(shape.latin, token.chars().any(|c| c.is_ascii_alphabetic()), "{token}");
        assert_eq!(shape.cyrillic, token.chars().any(crate::pipeline::text::chars::is_cyrillic), "{token}");
        assert_eq!(shape.digit, token.chars().any(|c| c.is_ascii_digit()), "{token}");
        assert_eq!(shape.any_upper, token.chars().any(char::is_uppercase), "{token}");
    }
}

#[test]
fn tokens_carry_their_keys_and_cue_lists() {
    let text = "Президент Кыргызской Республики Садыр Жапаров, «Байтерек» и NEWSru.com.";
    let (toks, keys) = tokenize(text, kb(), &[]);
    let words: Vec<&str> = toks.iter().filter(|t| t.word).map(|t| t.text).collect();
    assert_eq!(
        words,
        ["Президент", "Кыргызской", "Республики", "Садыр", "Жапаров", "Байтерек", "и", "NEWSru.com"]
    );
    for t in toks.iter().filter(|t| t.word) {
        let key = if t.key_in_text { &text[t.key.0..t.key.1] } else { &keys[t.key.0..t.key.1] };
        assert_eq!(key, morph::stem(t.text), "{}", t.text);
    }
    assert!(toks[0].entry.is(cue::ROLE));
    assert!(toks.iter().find(|t| t.text == "«").is_some_and(|t| t.quote && !t.word));
}

#[test]
fn lower_case_russian_runs_are_measured_on_bytes() {
    assert_eq!(russian_lower_run("абвгдежзийклмнопрстуфхцчшщъыьэюяX".as_bytes()), 64);
    assert_eq!(russian_lower_run("ёлка".as_bytes()), 0);
    assert_eq!(russian_lower_run("рЯ".as_bytes()), 2);
    assert_eq!(russian_lower_run("".as_bytes()), 0);
    let mut shape = Shape::new();
    "Ж".chars().for_each(|c| shape.add(c));
    shape.add_russian_lower(3);
    assert_eq!(shape, Shape::of("Жабы"));
}

#[test]
fn entity_id_matches_format() {
    for n in [0, 1, 9, 10, 42, 100, 12345, usize::MAX] {
        for kind in [EntityKind::Person, EntityKind::Place, EntityKind::Organisation] {
            assert_eq!(entity_id(kind, n), format!("{}:{n}", kind.as_str()));
        }
    }
}

#[test]
fn word_count_matches_split() {
    for text in ["", " ", "Путин", "Владимир Путин", "Касым-Жомарт  Токаев ", "a b c d"]
    {
        assert_eq!(word_count(text), text.split(' ').count(), "{text:?}");
    }
}

fn entities_in(text: &str, language: &str) -> Vec<Entity> {
    find(text, &release(text), None, language, kb(), &[])
}

fn names_of(entities: &[Entity], kind: EntityKind) -> Vec<&str> {
    entities.iter().filter(|e| e.kind == kind).map(|e| e.name.as_str()).collect()
}

#[test]
fn kyrgyz_case_endings_are_cut_to_find_known_names_and_new_surnames() {
    let text =
        "Заголовок\n\nБүгүн Бишкектеги жыйында Кыргызстандын өкүлү Москвага барарын айтты. Алар макул \
                болушту. Викрам Рузахуновдун айтымында, иш уланат.";
    let e = entities_in(text, "ky");
    let places = names_of(&e, EntityKind::Place);
    for place in ["Бишкек", "Кыргызстан", "Москва"] {
        assert!(places.contains(&place), "{place} in {places:?}");
    }
    assert_eq!(names_of(&e, EntityKind::Person), ["Викрам Рузахунов"]);
}

#[test]
fn kazakh_copy_names_a_known_person_as_written_with_the_records_country() {
    let text =
        "Заголовок\n\nҚасым-Жомарт Тоқаев Владимир Путинмен телефон арқылы сөйлесті. Мемлекет басшысы \
                ризашылық білдірді.";
    let e = entities_in(text, "kk");
    assert_eq!(named(&e, "Қасым-Жомарт Тоқаев").country.as_deref(), Some("KZ"));
    assert_eq!(named(&e, "Владимир Путин").country.as_deref(), Some("RU"));
    assert_eq!(names_of(&e, EntityKind::Person).len(), 2, "{e:?}");
}

#[test]
fn english_title_case_words_that_are_no_names_make_no_person() {
    let text = "Headline\n\nCentral Asian leaders met on Monday, and Kazakh Foreign officials said so. \
                Deposed Kyrgyz Leader Kurmanbek Bakiyev stayed abroad.\nBy Andrei Makhovsky";
    let e = entities_in(text, "en");
    let people = names_of(&e, EntityKind::Person);
    assert!(!people.iter().any(|p| p.contains("Central") || p.contains("Foreign")), "{people:?}");
    assert!(people.contains(&"Andrei Makhovsky"), "{people:?}");
}

#[test]
fn the_passes_stop_at_their_work_bound_and_say_so() {
    let text = "Президент Садыр Жапаров встретился в Бишкеке с Анной Петровой и Азаматом Жолдошбек уулу.";
    let unbounded = find_within(text, &release(text), None, "ru", kb(), &[], usize::MAX);
    assert!(!unbounded.cut);
    assert_eq!(unbounded.entities, find(text, &release(text), None, "ru", kb(), &[]));
    assert!(unbounded.entities.len() >= 4, "{:?}", unbounded.entities);
    // One unit of work: the first mention proposed, then no pass proposes or looks up anything more.
    let bounded = find_within(text, &release(text), None, "ru", kb(), &[], 1);
    assert!(bounded.cut);
    assert_eq!(bounded.entities.len(), 1, "{:?}", bounded.entities);
    // Unknown names need the dictionary: with no work allowed none is looked up, so none is found.
    let unknown = "Встречу провели Анна Петрова и Азамат Жолдошбек уулу.";
    assert!(!entities_in(unknown, "ru").is_empty());
    let none = find_within(unknown, &release(unknown), None, "ru", kb(), &[], 0);
    assert!(none.cut && none.entities.is_empty(), "{:?}", none.entities);
}
