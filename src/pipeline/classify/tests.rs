//! Tests of the classifier on the sample releases, and of its lexicon index, sentence splitter and folding.

use super::doc::*;
use super::lexicon::*;
use super::*;
use crate::pipeline::data::DataFiles;
use crate::pipeline::parse;
use crate::pipeline::quotes::{self, SpeechLexicon};
use crate::pipeline::text::chars::{is_alphanumeric, is_numeric, is_upper};
use crate::pipeline::text::fold::{fold, fold_words, skip_lower_russian};
use crate::pipeline::text::utf8::{char_at, utf8_len};
use crate::pipeline::text::words::{is_nonempty_char_range, word_spans};
use crate::pipeline::types::{EntityKind, Format, LoadError};

const SEED: &str = include_str!("../../../samples/sayasat-2025-08-22.txt");
const SPUTNIK: &str = include_str!("../../../samples/sputnik-style-2025-03-14.txt");
const KABAR: &str = include_str!("../../../samples/kabar-style-en-2025-06-23.txt");
const TASS: &str = include_str!("../../../samples/tass-style-2025-03-04.txt");
const KAZINFORM: &str = include_str!("../../../samples/kazinform-style-2025-05-20.txt");
const KG24: &str = include_str!("../../../samples/24kg-style-2022-01-10.txt");
const NO_DATELINE: &str = include_str!("../../../samples/no-dateline-2025-08-23.txt");

fn lexicon() -> EventLexicon {
    EventLexicon::load(&DataFiles::new(None)).expect("built-in event lexicon")
}

/// An entity named wherever one of `names` occurs in `text` (what the entity stage will give).
fn entity(
    text: &str,
    id: &str,
    kind: EntityKind,
    subtype: Option<&str>,
    country: &str,
    names: &[&str],
) -> Entity {
    let mut mentions: Vec<Span> =
        names.iter().flat_map(|n| text.match_indices(n).map(|(i, m)| Span::new(i, i + m.len()))).collect();
    mentions.sort();
    assert!(!mentions.is_empty(), "{id} not in the text");
    Entity {
        id: id.into(),
        kind,
        subtype: subtype.map(String::from),
        name: names[0].into(),
        country: Some(country.into()),
        roles: vec![],
        wikidata: None,
        mentions,
    }
}

fn person(text: &str, id: &str, country: &str, names: &[&str]) -> Entity {
    entity(text, id, EntityKind::Person, None, country, names)
}

fn place(text: &str, id: &str, subtype: &str, country: &str, names: &[&str]) -> Entity {
    entity(text, id, EntityKind::Place, Some(subtype), country, names)
}

fn dateline(text: &str, raw: &str, city: &str) -> Dateline {
    let start = text.find(raw).expect("dateline in text");
    Dateline {
        span: Span::new(start, start + raw.len()),
        city: Some(city.into()),
        country: None,
        date: None,
        month_day: None,
        time: None,
        agency: None,
        byline: None,
        lead: None,
    }
}

fn date(text: &str, written: &str, ymd: (i32, u32, u32)) -> DateMention {
    let start = text.find(written).expect("date in text");
    DateMention {
        span: Span::new(start, start + written.len()),
        date: NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap(),
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Everything the classifier reads for one text.
struct Case {
    text: &'static str,
    entities: Vec<Entity>,
    dates: Vec<DateMention>,
    dateline: Option<Dateline>,
    anchor: Option<NaiveDate>,
    language: &'static str,
}

impl Case {
    fn bare(text: &'static str) -> Self {
        Case { text, entities: vec![], dates: vec![], dateline: None, anchor: None, language: "ru" }
    }

    fn run(&self, lex: &EventLexicon) -> Vec<Event> {
        let release = parse::parse(self.text, Format::Wire).expect("parses");
        let quotes = quotes::find(
            self.text,
            &release,
            &SpeechLexicon::load(&DataFiles::new(None)).expect("speech lexicon"),
        );
        let ctx = Context {
            lexicon: lex,
            language: self.language,
            entities: &self.entities,
            quotes: &quotes,
            dates: &self.dates,
            dateline: self.dateline.as_ref(),
            anchor: self.anchor,
        };
        classify(self.text, &release, &ctx)
    }
}

fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn role_of<'e>(event: &'e Event, id: &str) -> Option<&'e str> {
    event.actors.iter().find(|(e, _)| e == id).map(|(_, r)| r.as_str())
}

fn seed_case() -> Case {
    Case {
        text: SEED,
        entities: vec![
            person(SEED, "person:1", "KG", &["Садыр Жапаров"]),
            person(SEED, "person:2", "KZ", &["Касым-Жомартом Токаевым", "Касым-Жомарт Токаев"]),
            place(SEED, "place:1", "city", "KG", &["Бишкек"]),
            place(SEED, "place:2", "country", "KG", &["Кыргызстан", "Кыргызской Республики"]),
            place(SEED, "place:3", "country", "KZ", &["Казахстан", "Республики Казахстан"]),
        ],
        dates: vec![date(SEED, "сегодня, 22 августа", (2025, 8, 22))],
        dateline: Some(dateline(SEED, "Бишкек, \"САЯСАТ.KG\".", "Бишкек")),
        anchor: ymd(2025, 8, 22),
        language: "ru",
    }
}

#[test]
fn seed_gives_talks_then_visit() {
    let events = seed_case().run(&lexicon());
    assert_eq!(kinds(&events), ["diplomacy.talks", "diplomacy.visit"], "{events:#?}");
    assert!(events[0].confidence > events[1].confidence);
}

#[test]
fn seed_talks_have_both_presidents_the_city_the_date_and_the_format() {
    let case = seed_case();
    let talks = &case.run(&lexicon())[0];
    assert_eq!(talks.cameo, "046");
    assert_eq!(talks.trigger.of(SEED), "переговоры");
    assert_eq!(role_of(talks, "person:1"), Some("participant"));
    assert_eq!(role_of(talks, "person:2"), Some("participant"));
    assert_eq!(talks.actors.len(), 2);
    assert_eq!(talks.place.as_deref(), Some("place:1"), "the dateline city");
    assert_eq!(talks.date, ymd(2025, 8, 22));
    assert_eq!(talks.attributes.get("format").map(String::as_str), Some("узкий формат"));
}

#[test]
fn seed_visit_is_tokaevs_to_kyrgyzstan() {
    let case = seed_case();
    let visit = &case.run(&lexicon())[1];
    assert_eq!(visit.cameo, "042");
    assert_eq!(visit.trigger.of(SEED), "официального визита");
    assert_eq!(role_of(visit, "person:2"), Some("source"), "{visit:#?}");
    assert_eq!(role_of(visit, "person:1"), Some("target"));
    assert_eq!(visit.attributes.get("destination").map(String::as_str), Some("place:2"));
    assert_eq!(visit.attributes.get("kind").map(String::as_str), Some("официальный"));
    assert_eq!(visit.date, ymd(2025, 8, 22));
}

#[test]
fn the_visitor_is_found_from_the_possessive_when_countries_are_unknown() {
    let mut case = seed_case();
    for e in &mut case.entities {
        e.country = None;
    }
    let visit = &case.run(&lexicon())[1];
    assert_eq!(role_of(visit, "person:2"), Some("source"), "его визит after Токаевым");
}

#[test]
fn sputnik_is_a_phone_call_only() {
    let case = Case {
        entities: vec![
            person(SPUTNIK, "person:1", "KG", &["Жээнбеков"]),
            person(SPUTNIK, "person:2", "UZ", &["Мирзиёев"]),
            place(SPUTNIK, "place:1", "city", "UZ", &["Ташкент"]),
        ],
        anchor: ymd(2025, 3, 14),
        ..Case::bare(SPUTNIK)
    };
    let events = case.run(&lexicon());
    // "обсудили" is the call's (suppressed as talks), the invitation to visit is a plan.
    assert_eq!(kinds(&events), ["diplomacy.call"], "{events:#?}");
    let call = &events[0];
    assert_eq!(call.cameo, "041");
    assert_eq!(role_of(call, "person:1"), Some("participant"));
    assert_eq!(role_of(call, "person:2"), Some("participant"));
    assert_eq!(call.date, ymd(2025, 3, 14));
    assert_eq!(call.place, None, "Ташкент is in another sentence; no dateline given");
}

#[test]
fn kabar_is_a_signed_protocol_and_future_talks_do_not_count() {
    let events = Case::bare(KABAR).run(&lexicon());
    assert_eq!(kinds(&events), ["agreement.signed"], "{events:#?}");
    assert_eq!(events[0].cameo, "057");
    assert_eq!(events[0].trigger.of(KABAR), "sign protocol");
}

#[test]
fn tass_is_talks_then_a_signed_plan() {
    let case = Case {
        entities: vec![
            person(TASS, "person:1", "RU", &["Сергей Лавров", "Лавров"]),
            person(TASS, "person:2", "KG", &["Жээнбеком Кулубаевым", "Кулубаев"]),
            person(TASS, "person:3", "RU", &["Мария Захарова"]),
            place(TASS, "place:1", "city", "RU", &["МОСКВА", "Москве"]),
            place(TASS, "place:2", "city", "KG", &["Бишкеке"]),
        ],
        dateline: Some(dateline(TASS, "МОСКВА, 4 марта. /ТАСС/.", "Москва")),
        anchor: ymd(2025, 3, 4),
        ..Case::bare(TASS)
    };
    let events = case.run(&lexicon());
    // The CSTO summit "который пройдет в ноябре" is a plan, after what happened.
    assert_eq!(kinds(&events), ["diplomacy.talks", "agreement.signed", "diplomacy.talks"], "{events:#?}");
    assert_eq!(events[2].status, EventStatus::Planned);
    assert!(events[..2].iter().all(|e| e.status == EventStatus::Happened));
    let talks = &events[0];
    assert_eq!(talks.trigger.of(TASS), "переговоры");
    assert_eq!(talks.place.as_deref(), Some("place:1"));
    assert!(role_of(talks, "person:1").is_some() && role_of(talks, "person:2").is_some());
    assert_eq!(role_of(talks, "person:3"), None, "Захарова only reported it");
    assert_eq!(events[1].trigger.of(TASS), "подписали план");
}

#[test]
fn kazinform_is_an_appointment() {
    let case = Case {
        entities: vec![
            person(KAZINFORM, "person:1", "KZ", &["Токаев", "Касым-Жомарта Токаева"]),
            person(KAZINFORM, "person:2", "KZ", &["Марат Султангазиев", "Султангазиев"]),
        ],
        ..Case::bare(KAZINFORM)
    };
    let events = case.run(&lexicon());
    assert_eq!(kinds(&events), ["appointment"], "{events:#?}");
    assert_eq!(events[0].cameo, "", "appointments have no CAMEO code");
    assert_eq!(events[0].trigger.of(KAZINFORM), "назначил");
    assert_eq!(role_of(&events[0], "person:1"), Some("source"), "Токаев назначил");
    assert_eq!(role_of(&events[0], "person:2"), Some("target"));
}

#[test]
fn passive_appointment_makes_the_appointee_the_target() {
    let text = " date 2025-05-20 Кадровые решения\n\nУказом Президента Касым-Жомарта Токаева Марат Султангазиев назначен акимом области.";
    let case = Case {
        entities: vec![
            person(text, "person:1", "KZ", &["Касым-Жомарта Токаева"]),
            person(text, "person:2", "KZ", &["Марат Султангазиев"]),
        ],
        ..Case::bare(text)
    };
    let event = &case.run(&lexicon())[0];
    assert_eq!(event.kind, "appointment");
    assert_eq!(role_of(event, "person:2"), Some("target"), "{event:#?}");
    assert_eq!(role_of(event, "person:1"), Some("source"));
}

#[test]
fn release_json_body_is_a_signed_agreement_in_bishkek() {
    let text = " date 2025-08-22 Жапаров и Токаев подписали соглашение о демаркации кыргызско-казахстанской границы\n\nБИШКЕК, 22 авг — AKIpress. Президенты Кыргызстана и Казахстана Садыр Жапаров и Касым-Жомарт Токаев подписали в Бишкеке соглашение об окончательной демаркации государственной границы.\n\n«Это историческое решение, которое закрывает все пограничные вопросы между нашими странами», — заявил Жапаров после церемонии.";
    let case = Case {
        entities: vec![
            person(text, "person:1", "KG", &["Садыр Жапаров", "Жапаров"]),
            person(text, "person:2", "KZ", &["Касым-Жомарт Токаев", "Токаев"]),
            place(text, "place:1", "city", "KG", &["БИШКЕК", "Бишкеке"]),
        ],
        dateline: Some(dateline(text, "БИШКЕК, 22 авг — AKIpress.", "Бишкек")),
        anchor: ymd(2025, 8, 22),
        ..Case::bare(text)
    };
    let events = case.run(&lexicon());
    assert_eq!(kinds(&events), ["agreement.signed"], "{events:#?}");
    assert_eq!(events[0].trigger.of(text), "подписали соглашение");
    assert_eq!(events[0].actors.len(), 2);
    assert_eq!(events[0].place.as_deref(), Some("place:1"));
}

#[test]
fn kg24_meeting_takes_the_city_named_in_the_headline() {
    let case = Case {
        entities: vec![place(KG24, "place:1", "city", "KG", &["Бишкеке", "Бишкек"])],
        ..Case::bare(KG24)
    };
    let events = case.run(&lexicon());
    assert_eq!(kinds(&events), ["diplomacy.talks"], "{events:#?}");
    assert_eq!(events[0].place.as_deref(), Some("place:1"));
}

#[test]
fn nothing_matched_is_other_at_the_dateline_city() {
    let events = Case { anchor: ymd(2025, 8, 23), ..Case::bare(NO_DATELINE) }.run(&lexicon());
    assert_eq!(kinds(&events), ["other"]);
    assert_eq!(events[0].date, ymd(2025, 8, 23));
    assert!(events[0].trigger.is_empty());
}

#[test]
fn dateline_city_is_found_by_name_when_no_mention_overlaps() {
    let text = " date 2025-01-01 Президенты провели переговоры\n\nБИШКЕК. Переговоры прошли.";
    let mut city = place(text, "place:7", "city", "KG", &["Переговоры прошли"]);
    city.name = "Бишкек".into();
    city.mentions = vec![];
    let case = Case {
        entities: vec![city],
        dateline: Some(dateline(text, "БИШКЕК.", "Бишкек")),
        ..Case::bare(text)
    };
    assert_eq!(case.run(&lexicon())[0].place.as_deref(), Some("place:7"));
}

#[test]
fn a_plan_alone_is_a_planned_event_and_not_the_news() {
    let text = " date 2025-01-01 Новости\n\nПереговоры президентов пройдут в Душанбе в июле.";
    let events = Case::bare(text).run(&lexicon());
    assert_eq!(kinds(&events), ["other", "diplomacy.talks"]);
    assert_eq!(events[0].status, EventStatus::Happened);
    assert_eq!(events[1].status, EventStatus::Planned);
    // Further down the body a plan is background: too weak to report.
    let text = " date 2025-01-01 Новости\n\nПрошло заседание.\n\nВторой абзац.\n\nПереговоры президентов пройдут в июле.";
    assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["other"]);
}

fn statuses(events: &[Event]) -> Vec<(&str, EventStatus)> {
    events.iter().map(|e| (e.kind.as_str(), e.status)).collect()
}

#[test]
fn status_cues_mark_cancelled_planned_and_referenced_events() {
    use EventStatus::{Cancelled, Happened, Planned};
    let lex = lexicon();
    let run = |text: &'static str, language: &'static str| Case { language, ..Case::bare(text) }.run(&lex);
    // A cue before the trigger ("не примет участия в саммите"), after it ("визит перенесен").
    let events = run(" date 2025-01-01 Новости\n\nПрезидент не примет участия в саммите в Казани.", "ru");
    assert_eq!(statuses(&events), [("other", Happened), ("diplomacy.talks", Cancelled)]);
    let events = run(" date 2025-01-01 Новости\n\nОфициальный визит премьера перенесен на осень.", "ru");
    assert_eq!(statuses(&events), [("other", Happened), ("diplomacy.visit", Cancelled)]);
    // "По итогам встречи": the meeting is only referred to; the cue does not reach past it to the signing.
    let events = run(" date 2025-01-01 Новости\n\nПо итогам встречи стороны подписали соглашение.", "ru");
    assert_eq!(statuses(&events), [("agreement.signed", Happened)]);
    // English cues apply to English copy only.
    let text = " date 2025-01-01 News\n\nThe president will visit Astana in May.";
    assert_eq!(statuses(&run(text, "en")), [("other", Happened), ("diplomacy.visit", Planned)]);
    assert_eq!(
        statuses(&run(text, "ru")),
        [("other", Happened)],
        "a future sentence without a cue: weakened"
    );
    // A negated plan is a cancellation; a planned and a cancelled summit are one summit, called off.
    let events = run(" date 2025-01-01 Новости\n\nПрезидент не планирует посещать саммит.", "ru");
    assert_eq!(statuses(&events), [("other", Happened), ("diplomacy.talks", Cancelled)]);
    let text = " date 2025-01-01 Новости\n\nСаммит пройдет в мае. Президент не примет участия в саммите.";
    assert_eq!(statuses(&run(text, "ru")), [("other", Happened), ("diplomacy.talks", Cancelled)]);
}

#[test]
fn a_release_led_by_a_quote_with_nothing_else_is_a_statement() {
    let text = " date 2025-01-01 МИД о поездках\n\n«Мы рекомендуем отложить поездки», — сообщил представитель министерства.\n\nДругих подробностей нет.";
    let events = Case::bare(text).run(&lexicon());
    assert_eq!(statuses(&events), [("statement", EventStatus::Happened)]);
    assert_eq!(events[0].cameo, "010");
    // A quote further down does not make the release a statement.
    let text = " date 2025-01-01 Новости\n\nВ городе открыли парк.\n\nПарк большой.\n\nТам растут деревья.\n\nИх много.\n\n«Приходите», — сказал мэр.\n\nЕще абзац о парке и его аллеях, скамейках и фонтанах, которых много.";
    assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["other"]);
}

#[test]
fn a_negation_cancels_the_trigger() {
    let text = " date 2025-01-01 Новости\n\nСтороны так и не подписали соглашение о границе.";
    assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["other"]);
    let text = " date 2025-01-01 Новости\n\nСтороны подписали соглашение о границе.";
    assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["agreement.signed"]);
}

#[test]
fn inflected_forms_match_stems_on_word_boundaries() {
    for (text, expected) in [
        (" date 2025-01-01 Ход переговоров в Астане\n\nТекст.", "diplomacy.talks"),
        (" date 2025-01-01 Начало Переговоров\n\nТекст.", "diplomacy.talks"),
        (" date 2025-01-01 Министр назначен послом\n\nТекст.", "appointment"),
        (" date 2025-01-01 Подписан меморандум о сотрудничестве\n\nТекст.", "agreement.signed"),
        (" date 2025-01-01 The ministers held talks in Bishkek\n\nText.", "diplomacy.talks"),
        (" date 2025-01-01 Президент провел телефонный разговор\n\nТекст.", "diplomacy.call"),
        // A stem only matches at a word start: "непереговорный" is not "переговор*".
        (" date 2025-01-01 Непереговорный процесс\n\nТекст.", "other"),
    ] {
        assert_eq!(Case::bare(text).run(&lexicon())[0].kind, expected, "{text}");
    }
}

#[test]
fn repeated_triggers_merge_into_one_stronger_event() {
    let once = " date 2025-01-01 Новости\n\nПрошла встреча министров.";
    let thrice =
        " date 2025-01-01 Новости\n\nПрошла встреча министров. Встреча длилась час. После встречи они уехали.";
    let a = Case::bare(once).run(&lexicon());
    let b = Case::bare(thrice).run(&lexicon());
    assert_eq!(kinds(&b), ["diplomacy.talks"]);
    assert!(b[0].confidence > a[0].confidence, "{} vs {}", b[0].confidence, a[0].confidence);
    assert_eq!(b[0].trigger.of(thrice), "встреча", "the first of equally strong triggers");
    assert!(b[0].trigger.start < thrice.find("длилась").unwrap());
}

#[test]
fn statement_only_when_the_release_is_a_statement() {
    let text = " date 2025-01-01 МИД сделал заявление о границе\n\nВедомство заявило, что граница открыта.";
    let events = Case::bare(text).run(&lexicon());
    assert_eq!(kinds(&events), ["statement"]);
    assert_eq!(events[0].cameo, "010");
    // A quote "заявил" in a release about talks does not add a statement (tass has one).
    let text = " date 2025-01-01 Новости\n\nПрошли переговоры.\n\nОн много где выступал.\n\nРанее министр заявил, что всё хорошо.";
    assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["diplomacy.talks"]);
    // A late statement trigger alone, in a body that is not mostly quotes, is not a statement event.
    let text = " date 2025-01-01 Новости\n\nВ городе тепло.\n\nСнег растаял.\n\nСадовники рады.\n\nОдин из них заявил, что весна.";
    assert_eq!(kinds(&Case::bare(text).run(&lexicon())), ["other"]);
}

#[test]
fn date_named_in_the_sentence_wins_over_the_anchor() {
    let text = " date 2025-03-10 Новости\n\nВ пятницу, 7 марта, министры провели переговоры.";
    let case = Case {
        dates: vec![date(text, "7 марта", (2025, 3, 7))],
        anchor: ymd(2025, 3, 10),
        ..Case::bare(text)
    };
    assert_eq!(case.run(&lexicon())[0].date, ymd(2025, 3, 7));
}

#[test]
fn the_expanded_format_is_an_attribute() {
    let text = " date 2025-01-01 Новости\n\nПереговоры продолжились в расширенном формате.";
    let events = Case::bare(text).run(&lexicon());
    assert_eq!(events[0].attributes.get("format").map(String::as_str), Some("расширенный формат"));
}

/// Texts that exercise the tokeniser's fast paths and its fallbacks.
const ODD_TEXTS: [&str; 6] = [
    "ЁЛКА ёлка Ёлка İstanbul Straße ҢӨҮ ңөү Ѓ і Ї ΑΒΓ αβγ 42 x²",
    "на пресс-конференции, Ала-Тоо - да; don't Don’t -слово слово- «Цитата»… (КР)",
    "ПРИВЕТ, Мир! АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ абвгдежзийклмнопрстуфхцчшщъыьэюя",
    "Ѐ Ђ Џ ѐ ђ џ Ѡ ѡ Ѣ ѣ Ѹ 😀слово😀 a\u{301}b e\u{0308} ١٢٣ 中文",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 _-'’",
    SEED,
];

#[test]
fn fold_words_cuts_and_folds_as_word_spans_and_fold_do() {
    for text in ODD_TEXTS {
        let span = Span::new(0, text.len());
        let mut folded = text.as_bytes().to_vec();
        let mut words = Vec::new();
        fold_words(text, span, &mut folded, &mut words);
        assert_eq!(words, word_spans(text, span), "{text}");
        let expected = fold(text);
        for w in &words {
            assert_eq!(&folded[w.start..w.end], w.of(&expected).as_bytes(), "{:?}", w.of(text));
        }
    }
}

#[test]
fn skip_lower_russian_passes_exactly_the_groups_of_four_lower_case_letters() {
    let reference = |bytes: &[u8], mut i: usize| {
        let lower = |l: u8, c: u8| matches!((l, c), (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x8F));
        while i + 8 <= bytes.len() && (0..4).all(|k| lower(bytes[i + 2 * k], bytes[i + 2 * k + 1])) {
            i += 8;
        }
        i
    };
    let texts = ["абвгдежзийклмнопрстуфхцчшщъыьэюяабвгПрОверка ёЁ Ѐѐ ѯѰ ъъъъъъъъъxъъъъ", "пппппппп\u{d0}"];
    for text in ODD_TEXTS.iter().chain(&texts) {
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            assert_eq!(skip_lower_russian(bytes, i), reference(bytes, i), "{text:?} at {i}");
        }
    }
}

#[test]
fn char_at_and_utf8_len_decode_like_chars() {
    for text in ODD_TEXTS {
        for (i, c) in text.char_indices() {
            assert_eq!(char_at(text, i), (c, c.len_utf8()));
            assert_eq!(utf8_len(text.as_bytes()[i]), c.len_utf8());
        }
    }
}

#[test]
fn fast_case_and_digit_tests_agree_with_the_standard_ones() {
    for c in ODD_TEXTS.iter().flat_map(|t| t.chars()).chain(['Ё', 'ё', 'Я', 'я', 'А', 'а', 'Z', '9', '½'])
    {
        assert_eq!(is_upper(c), c.is_uppercase(), "{c}");
        assert_eq!(is_numeric(c), c.is_numeric(), "{c}");
    }
}

/// The sentence splitter as it was before it used `memchr`, char by char: the reference for
/// [`sentence_spans`].
fn sentence_spans_char_by_char(text: &str, block: Span) -> Vec<Span> {
    let s = block.of(text);
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut spans = Vec::new();
    let mut start = 0;
    for k in 0..chars.len() {
        let (i, c) = chars[k];
        if !matches!(c, '.' | '!' | '?' | '…') || (c == '.' && follows_initial(s, i)) {
            continue;
        }
        let mut j = k + 1;
        while j < chars.len() && matches!(chars[j].1, '»' | '”' | '"' | ')') {
            j += 1;
        }
        let mut n = j;
        while n < chars.len() && chars[n].1.is_whitespace() {
            n += 1;
        }
        if n == j || n >= chars.len() {
            continue;
        }
        let next = chars[n].1;
        if next.is_uppercase() || next.is_numeric() || "«“„\"—–-".contains(next) {
            spans.push(Span::new(
                block.start + start,
                block.start + chars[j - 1].0 + chars[j - 1].1.len_utf8(),
            ));
            start = chars[n].0;
        }
    }
    if start < s.len() {
        spans.push(Span::new(block.start + start, block.end));
    }
    spans
}

#[test]
fn sentence_spans_cut_where_the_char_by_char_splitter_did() {
    let extra = [
        "Он сказал: «Да.» Потом… Ушёл! 5 раз?! «Нет». — Так. (Вот.) Ещё.) А. Б. Петров. x.Y. Z.",
        "Конец.\u{a0}Начало. Конец.  \n Начало… ”Кавычки”. ½ дроби. Ⅻ век.",
    ];
    for text in ODD_TEXTS.iter().chain(&extra).chain([SPUTNIK, KABAR, TASS, KAZINFORM, KG24].iter()) {
        let block = Span::new(0, text.len());
        assert_eq!(sentence_spans(text, block), sentence_spans_char_by_char(text, block), "{text}");
    }
}

#[test]
fn sentence_marks_are_found_in_text_order() {
    let s = "Да… Нет. Так? Ну! Ещё…";
    let marks: Vec<(usize, char)> = sentence_marks(s).collect();
    let expected: Vec<(usize, char)> =
        s.char_indices().filter(|(_, c)| matches!(c, '.' | '!' | '?' | '…')).collect();
    assert_eq!(marks, expected);
}

fn rules_of(index: &FirstWordIndex, word: &str) -> Vec<usize> {
    let mut rules = Vec::new();
    index.for_each_rule_of(word.as_bytes(), |r| rules.push(r));
    rules
}

#[test]
fn the_first_word_index_gives_exactly_the_rules_whose_first_word_matches() {
    let lex = lexicon();
    let mut words: Vec<String> = SEED.split(|c: char| !is_alphanumeric(c)).map(fold).collect();
    for (_, pattern) in &lex.rules {
        for alt in &pattern[0].alternatives {
            words.push(alt.text.clone());
            words.push(format!("{}ы", alt.text));
            words.push(alt.text.chars().skip(1).collect());
        }
    }
    words.extend(["a", "я", "не", "no", "by", ""].map(String::from));
    for word in words.iter().filter(|w| !w.is_empty()) {
        let mut found = rules_of(&lex.first_words, word);
        found.sort_unstable();
        found.dedup();
        let expected: Vec<usize> =
            (0..lex.rules.len()).filter(|&r| lex.rules[r].1[0].matches(word.as_bytes())).collect();
        assert_eq!(found, expected, "{word}");
    }
}

#[test]
fn short_stems_are_candidates_for_every_word() {
    let words = [parse_pattern("x*").unwrap().remove(0), parse_pattern("визит*").unwrap().remove(0)];
    let index = FirstWordIndex::new(words.iter());
    assert_eq!(rules_of(&index, "xyz"), [0]);
    assert_eq!(rules_of(&index, "визита"), [1]);
    assert!(rules_of(&index, "виз").is_empty());
}

#[test]
fn sentences_split_at_capitals_but_not_at_initials() {
    let text = "С. Жапаров прибыл. Он провел встречу! «Цитата». 2025 год";
    let spans: Vec<&str> =
        sentence_spans(text, Span::new(0, text.len())).iter().map(|s| s.of(text)).collect();
    assert_eq!(spans, ["С. Жапаров прибыл.", "Он провел встречу!", "«Цитата».", "2025 год"]);
}

#[test]
fn patterns_parse_stems_alternatives_and_gaps() {
    let words = parse_pattern("подписа* .. соглашени*|Меморандум").unwrap();
    assert_eq!(words.len(), 2);
    assert!(words[0].alternatives[0].stem);
    assert_eq!(words[1].gap_before, MAX_GAP);
    assert!(words[1].matches("меморандум") && !words[1].matches("меморандума"));
    assert!(words[1].matches("соглашения"));
    assert!(parse_pattern(".. x").is_err());
    assert!(parse_pattern("x ..").is_err());
    assert!(parse_pattern("*").is_err());
}

#[test]
fn a_user_lexicon_adds_an_event_type_and_bad_lines_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lexicons")).unwrap();
    let path = dir.path().join("lexicons/events.tsv");
    std::fs::write(&path, "# mine\ntrigger\tprotest\t140\t0.8\tмитинг*|протест*\n").unwrap();
    let lex = EventLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap();
    let text = " date 2025-01-01 У здания прошел митинг\n\nТекст.";
    let events = Case::bare(text).run(&lex);
    assert_eq!((events[0].kind.as_str(), events[0].cameo.as_str()), ("protest", "140"));

    std::fs::write(&path, "# mine\n\ntrigger\tprotest\t140\t1.5\tмитинг*\n").unwrap();
    let err = EventLexicon::load(&DataFiles::new(Some(dir.path()))).unwrap_err();
    assert!(matches!(err, LoadError::Syntax { line: 3, .. }), "{err}");
    std::fs::write(&path, "event\tprotest\n").unwrap();
    assert!(EventLexicon::load(&DataFiles::new(Some(dir.path()))).is_err());
}

#[test]
fn confidences_are_between_zero_and_one_and_ordered() {
    for text in [SEED, SPUTNIK, KABAR, TASS, KAZINFORM, KG24, NO_DATELINE] {
        let events = Case::bare(text).run(&lexicon());
        assert!(!events.is_empty());
        assert!(events.iter().all(|e| (0.0..=1.0).contains(&e.confidence)));
        assert!(events.windows(2).all(|w| w[0].confidence >= w[1].confidence));
    }
}

#[test]
fn never_panics_on_cut_text() {
    let lex = lexicon();
    for cut in (0..SEED.len()).step_by(11).filter(|i| SEED.is_char_boundary(*i)) {
        let text = &SEED[..cut];
        if let Ok(release) = parse::parse(text, Format::Wire) {
            let ctx = Context {
                lexicon: &lex,
                language: "ru",
                entities: &[],
                quotes: &[],
                dates: &[],
                dateline: None,
                anchor: None,
            };
            let events = classify(text, &release, &ctx);
            assert!(!events.is_empty());
            assert!(events.iter().all(|e| is_nonempty_char_range(text, e.trigger) || e.trigger.is_empty()));
        }
    }
}
