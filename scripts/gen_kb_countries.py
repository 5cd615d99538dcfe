#!/usr/bin/env python3
"""Generates data/kb/countries.tsv from pycountry (LGPL-2.1, ISO 3166-1 data with Debian iso-codes Russian
translations) plus the press names, official forms and Wikidata QIDs written below.

Usage: pip download pycountry --no-deps -d /tmp/pyc && unzip the wheel to /tmp/pyc/x, then
    python3 scripts/gen_kb_countries.py /tmp/pyc/x/pycountry > data/kb/countries.tsv
"""
import gettext
import json
import sys

root = sys.argv[1]
ru = gettext.GNUTranslations(open(f"{root}/locales/ru/LC_MESSAGES/iso3166-1.mo", "rb"))
countries = json.load(open(f"{root}/databases/iso3166-1.json"))["3166-1"]

# code: (canonical Russian press name, extra variants, Wikidata QID)
OVERRIDES = {
    "KG": ("Кыргызстан", ["Киргизия", "Кыргызская Республика", "Киргизская Республика", "КР", "Kyrgyzstan", "Kyrgyz Republic"], "Q813"),
    "KZ": ("Казахстан", ["Республика Казахстан", "РК"], "Q232"),
    "UZ": ("Узбекистан", ["Республика Узбекистан"], "Q265"),
    "TJ": ("Таджикистан", ["Республика Таджикистан"], "Q863"),
    "TM": ("Туркменистан", ["Туркмения"], "Q874"),
    "RU": ("Россия", ["Российская Федерация", "РФ", "Russia", "Russian Federation"], "Q159"),
    "BY": ("Белоруссия", ["Беларусь", "Республика Беларусь", "Belarus"], "Q184"),
    "UA": ("Украина", [], "Q212"),
    "MD": ("Молдавия", ["Молдова", "Республика Молдова"], "Q217"),
    "AM": ("Армения", ["Республика Армения"], "Q399"),
    "AZ": ("Азербайджан", ["Азербайджанская Республика"], "Q227"),
    "GE": ("Грузия", [], "Q230"),
    "CN": ("Китай", ["КНР", "Китайская Народная Республика", "Поднебесная"], "Q148"),
    "US": ("США", ["United States", "Соединённые Штаты Америки", "Соединенные Штаты Америки", "Соединённые Штаты", "Соединенные Штаты", "Америка", "USA", "United States of America", "U.S."], "Q30"),
    "GB": ("Великобритания", ["United Kingdom", "Соединённое Королевство", "Соединенное Королевство", "Британия", "United Kingdom", "Britain", "UK"], "Q145"),
    "TR": ("Турция", ["Турецкая Республика", "Turkey", "Türkiye"], "Q43"),
    "DE": ("Германия", ["ФРГ", "Федеративная Республика Германия"], "Q183"),
    "FR": ("Франция", [], "Q142"),
    "IT": ("Италия", [], "Q38"),
    "ES": ("Испания", [], "Q29"),
    "PL": ("Польша", [], "Q36"),
    "JP": ("Япония", [], "Q17"),
    "IN": ("Индия", [], "Q668"),
    "IR": ("Иран", ["Исламская Республика Иран", "Iran"], "Q794"),
    "AF": ("Афганистан", [], "Q889"),
    "PK": ("Пакистан", [], "Q843"),
    "MN": ("Монголия", [], "Q711"),
    "KR": ("Южная Корея", ["Республика Корея", "South Korea"], "Q884"),
    "KP": ("КНДР", ["Северная Корея", "North Korea"], "Q423"),
    "CA": ("Канада", [], "Q16"),
    "BR": ("Бразилия", [], "Q155"),
    "EG": ("Египет", [], "Q79"),
    "SA": ("Саудовская Аравия", [], "Q851"),
    "AE": ("ОАЭ", ["Объединённые Арабские Эмираты", "Объединенные Арабские Эмираты", "UAE"], "Q878"),
    "QA": ("Катар", [], "Q846"),
    "NL": ("Нидерланды", ["Голландия"], "Q55"),
    "BE": ("Бельгия", [], "Q31"),
    "AT": ("Австрия", [], "Q40"),
    "CH": ("Швейцария", [], "Q39"),
    "SE": ("Швеция", [], "Q34"),
    "NO": ("Норвегия", [], "Q20"),
    "FI": ("Финляндия", [], "Q33"),
    "DK": ("Дания", [], "Q35"),
    "GR": ("Греция", [], "Q41"),
    "PT": ("Португалия", [], "Q45"),
    "CZ": ("Чехия", ["Чешская Республика"], "Q213"),
    "HU": ("Венгрия", [], "Q28"),
    "RO": ("Румыния", [], "Q218"),
    "BG": ("Болгария", [], "Q219"),
    "RS": ("Сербия", [], "Q403"),
    "HR": ("Хорватия", [], "Q224"),
    "SI": ("Словения", [], "Q215"),
    "SK": ("Словакия", [], "Q214"),
    "LT": ("Литва", [], "Q37"),
    "LV": ("Латвия", [], "Q211"),
    "EE": ("Эстония", [], "Q191"),
    "IE": ("Ирландия", [], "Q27"),
    "LU": ("Люксембург", [], "Q32"),
    "MT": ("Мальта", [], "Q233"),
    "CY": ("Кипр", [], "Q229"),
    "AU": ("Австралия", [], "Q408"),
    "MX": ("Мексика", [], "Q96"),
    "AR": ("Аргентина", [], "Q414"),
    "VN": ("Вьетнам", [], "Q881"),
    "TH": ("Таиланд", ["Тайланд"], "Q869"),
    "ID": ("Индонезия", [], "Q252"),
    "MY": ("Малайзия", [], "Q833"),
    "IQ": ("Ирак", [], "Q796"),
    "SY": ("Сирия", [], "Q858"),
    "IL": ("Израиль", [], "Q801"),
    "PS": ("Палестина", [], "Q219060"),
    "ME": ("Черногория", [], "Q236"),
    "MK": ("Северная Македония", ["Македония"], "Q221"),
    "AL": ("Албания", [], "Q222"),
    "BA": ("Босния и Герцеговина", [], "Q225"),
    "IS": ("Исландия", [], "Q189"),
    "ZA": ("ЮАР", ["Южно-Африканская Республика", "South Africa"], "Q258"),
    "NG": ("Нигерия", [], "Q1033"),
    "SG": ("Сингапур", [], "Q334"),
    "PH": ("Филиппины", [], "Q928"),
    "CU": ("Куба", [], "Q241"),
    "VE": ("Венесуэла", [], "Q717"),
    "CL": ("Чили", [], "Q298"),
    "CO": ("Колумбия", [], "Q739"),
    "PE": ("Перу", [], "Q419"),
    "BD": ("Бангладеш", [], "Q902"),
    "NP": ("Непал", [], "Q837"),
    "LK": ("Шри-Ланка", [], "Q854"),
    "JO": ("Иордания", [], "Q810"),
    "LB": ("Ливан", [], "Q822"),
    "KW": ("Кувейт", [], "Q817"),
    "OM": ("Оман", [], "Q842"),
    "BH": ("Бахрейн", [], "Q398"),
    "YE": ("Йемен", [], "Q805"),
    "LY": ("Ливия", [], "Q1016"),
    "TN": ("Тунис", [], "Q948"),
    "DZ": ("Алжир", [], "Q262"),
    "MA": ("Марокко", [], "Q1028"),
    "ET": ("Эфиопия", [], "Q115"),
    "KE": ("Кения", [], "Q114"),
    "NZ": ("Новая Зеландия", [], "Q664"),
    "MM": ("Мьянма", ["Бирма"], "Q836"),
    "KH": ("Камбоджа", [], "Q424"),
    "LA": ("Лаос", [], "Q819"),
    "TW": ("Тайвань", [], "Q865"),
    "VA": ("Ватикан", [], "Q237"),
    "BO": ("Боливия", [], ""),
    "TZ": ("Танзания", [], ""),
    "CD": ("Демократическая Республика Конго", ["ДР Конго", "ДРК"], ""),
    "CG": ("Республика Конго", [], ""),
    "CI": ("Кот-д’Ивуар", ["Кот-д'Ивуар"], ""),
    "FM": ("Микронезия", [], ""),
    "SH": ("Остров Святой Елены", [], ""),
}
EXTRA = [("XK", "Косово", ["Kosovo", "Республика Косово"], "Q1246")]

print("# Countries: ISO 3166-1 alpha-2, canonical Russian name (nominative), Wikidata QID, variants (| separated:")
print("# other names, official forms, abbreviations, English names). Case forms need not be listed: names are")
print("# matched by stem and lemmatised. Generated by scripts/gen_kb_countries.py from pycountry (ISO 3166-1,")
print("# Russian names from Debian iso-codes, LGPL-2.1) plus hand-written press names and QIDs; edit freely.")
print("# code\tname\twikidata\tvariants")
for c in countries:
    code = c["alpha_2"]
    ru_name = ru.gettext(c["name"]).replace("\u0301", "")
    official = ru.gettext(c["official_name"]).replace("\u0301", "") if c.get("official_name") else ""
    name, extra, qid = OVERRIDES.get(code, (ru_name, [], ""))
    variants = []
    cyrillic = [v for v in extra if not v.isascii()]
    latin = [v for v in extra if v.isascii()]
    # The ISO English short name is the first Latin variant: English releases use it as the name.
    english = [c.get("common_name", ""), c["name"]] if code not in ("US", "GB") else []
    for v in [ru_name, official, *cyrillic, *latin, *english, c["name"], c.get("official_name", "")]:
        if v and "," not in v and v != name and v not in variants and "(" not in v:
            variants.append(v)
    if "," in name:
        continue
    print(f"{code}\t{name}\t{qid}\t{'|'.join(variants)}")
for code, name, extra, qid in EXTRA:
    print(f"{code}\t{name}\t{qid}\t{'|'.join(extra)}")
