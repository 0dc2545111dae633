// Word pools for the generator: names by country (from the shared i18n dataset when present, else a small
// built-in multi-script pool), phone number shapes (libphonenumber-js's own example numbers, checked), and
// the company, job, activity and city words. Everything here is small; the bulk rows are made in SQL.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import mobileExamples from "libphonenumber-js/mobile/examples";
import { searchTerm } from "../../src/db/record-filters.js";

/** A pool entry as the app would store it, and its two search_text spellings (see searchText()). */
export interface Word {
  /** As stored (trimmed). */
  text: string;
  /** NFKC + lower-case: the first half of search_text. */
  lc: string;
  /** lc without accents: the second half of search_text when it differs. */
  plain: string;
  /** ASCII letters/digits only, for email local parts and domains. */
  slug: string;
}

export interface CountryPool {
  code: string;
  weight: number;
  first: Word[];
  last: Word[];
  tld: string;
  currency: string;
  freemail: string[];
  legal: Word[];
  nouns: Word[];
  jobs: Word[];
  cities: string[];
  /** E.164 without "+": calling code + national prefix; `digits` random digits follow. */
  phonePrefix: string;
  phoneDigits: number;
}

const SPECIAL: Record<string, string> = { ł: "l", ø: "o", đ: "d", ß: "ss", æ: "ae", œ: "oe", þ: "th", ð: "d", ı: "i", ŀ: "l", ħ: "h", ŧ: "t" };

export function word(raw: string, romanized?: string): Word {
  const text = raw.trim();
  const lc = text.normalize("NFKC").toLowerCase();
  const plain = searchTerm(text);
  const slug = searchTerm(romanized ?? text)
    .replace(/[łøđßæœþðıŀħŧ]/g, (c) => SPECIAL[c] ?? "")
    .replace(/[^a-z0-9]+/g, "");
  return { text, lc, plain, slug };
}

// ---- countries ----

/** Share of contacts per country (others present in the name data get 0.2). */
const WEIGHTS: Record<string, number> = {
  US: 18,
  GB: 7,
  DE: 7,
  FR: 5,
  ES: 4,
  IT: 4,
  NL: 3,
  PL: 3,
  BR: 4,
  MX: 3,
  CA: 3,
  AU: 2,
  JP: 4,
  CN: 3,
  KR: 2,
  TW: 1,
  IN: 4,
  RU: 2,
  UA: 1,
  GR: 1,
  IL: 1,
  TR: 2,
  AT: 1,
  CH: 1,
  BE: 1,
  PT: 1,
  IE: 1,
  CZ: 1,
  DK: 1,
  FI: 1,
  NO: 1,
  AR: 1,
  CL: 1,
  CO: 1,
  PE: 0.5,
  PH: 1,
  NZ: 0.5,
  HU: 0.5,
  RO: 0.5,
  BG: 0.5,
  BD: 0.5,
};
const TLD: Record<string, string> = {
  US: "com",
  GB: "co.uk",
  JP: "co.jp",
  BR: "com.br",
  AU: "com.au",
  KR: "co.kr",
  IL: "co.il",
  MX: "com.mx",
  TR: "com.tr",
  AR: "com.ar",
  NZ: "co.nz",
  TW: "com.tw",
  CA: "ca",
  IN: "in",
  CN: "cn",
};
const EURO = ["AT", "BE", "DE", "EE", "ES", "FI", "FR", "GR", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "SI", "SK", "HR"];
const CURRENCY: Record<string, string> = {
  US: "USD",
  GB: "GBP",
  JP: "JPY",
  CN: "CNY",
  CH: "CHF",
  PL: "PLN",
  BR: "BRL",
  IN: "INR",
  KR: "KRW",
  CA: "CAD",
  AU: "AUD",
  MX: "MXN",
  RU: "RUB",
  TR: "TRY",
  SE: "SEK",
  NO: "NOK",
  DK: "DKK",
  CZ: "CZK",
  HU: "HUF",
  IL: "ILS",
  TW: "TWD",
  NZ: "NZD",
  AR: "ARS",
  CL: "CLP",
  CO: "COP",
  UA: "UAH",
  RO: "RON",
  BG: "BGN",
  PH: "PHP",
};
const FREEMAIL: Record<string, string[]> = {
  DE: ["web.de", "gmx.de", "t-online.de"],
  AT: ["gmx.at"],
  FR: ["orange.fr", "free.fr"],
  JP: ["yahoo.co.jp", "docomo.ne.jp"],
  RU: ["mail.ru", "yandex.ru"],
  CN: ["qq.com", "163.com"],
  KR: ["naver.com", "daum.net"],
  PL: ["wp.pl", "onet.pl"],
  BR: ["uol.com.br"],
  IT: ["libero.it"],
  GB: ["btinternet.com"],
  IN: ["rediffmail.com"],
  CZ: ["seznam.cz"],
  UA: ["ukr.net"],
};
const GLOBAL_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com"];
const LEGAL: Record<string, string[]> = {
  US: ["Inc.", "LLC", "Corp."],
  GB: ["Ltd", "plc"],
  IE: ["Ltd"],
  DE: ["GmbH", "AG", "GmbH & Co. KG"],
  AT: ["GmbH"],
  CH: ["AG", "GmbH"],
  FR: ["SAS", "SA", "SARL"],
  ES: ["S.L.", "S.A."],
  IT: ["S.r.l.", "S.p.A."],
  NL: ["B.V."],
  BE: ["NV", "BV"],
  PL: ["Sp. z o.o.", "S.A."],
  JP: ["株式会社", "K.K."],
  BR: ["Ltda.", "S.A."],
  PT: ["Lda."],
  MX: ["S.A. de C.V."],
  CN: ["有限公司", "Co., Ltd."],
  KR: ["주식회사"],
  RU: ["ООО", "АО"],
  GR: ["Α.Ε."],
  CZ: ["s.r.o."],
  DK: ["ApS", "A/S"],
  FI: ["Oy"],
  NO: ["AS"],
  TR: ["A.Ş."],
  IN: ["Pvt Ltd"],
};
const LOCAL_NOUNS: Record<string, string[]> = {
  DE: ["Bäckerei", "Maschinenbau", "Gärtnerei", "Brauerei", "Möbelhaus"],
  AT: ["Bäckerei", "Tischlerei"],
  FR: ["Société Générale d'Études", "Électricité", "Boulangerie", "Énergies"],
  ES: ["Construcción", "Alimentación", "Distribución"],
  PL: ["Łączność", "Budownictwo", "Usługi"],
  JP: ["商事", "工業", "電機", "物産"],
  CN: ["科技", "贸易", "实业"],
  KR: ["전자", "건설"],
  RU: ["Торговый дом", "Строй", "Логистика"],
  GR: ["Εμπορική", "Τεχνική"],
  TR: ["Gıda", "İnşaat"],
  PT: ["Construções", "Comércio"],
  IT: ["Costruzioni", "Alimentari"],
  CZ: ["Stavby", "Strojírna"],
};
const CITIES: Record<string, string[]> = {
  US: ["New York", "San Francisco", "Chicago", "Austin", "Boston", "Seattle"],
  GB: ["London", "Manchester", "Edinburgh"],
  DE: ["Berlin", "München", "Köln", "Düsseldorf"],
  FR: ["Paris", "Lyon", "Marseille"],
  ES: ["Madrid", "Barcelona", "Sevilla"],
  IT: ["Roma", "Milano", "Torino"],
  PL: ["Warszawa", "Kraków", "Łódź", "Gdańsk"],
  JP: ["東京", "大阪", "Yokohama"],
  CN: ["北京", "上海", "Shenzhen"],
  BR: ["São Paulo", "Rio de Janeiro"],
  IN: ["Mumbai", "Bengaluru", "Delhi"],
  RU: ["Москва", "Санкт-Петербург"],
  GR: ["Αθήνα", "Θεσσαλονίκη"],
  IL: ["Tel Aviv", "ירושלים"],
  KR: ["서울", "Busan"],
  CA: ["Toronto", "Montréal", "Vancouver"],
  MX: ["Ciudad de México", "Monterrey"],
};

export const NOUNS = [
  "Logistics",
  "Systems",
  "Solutions",
  "Consulting",
  "Partners",
  "Analytics",
  "Foods",
  "Energy",
  "Pharma",
  "Motors",
  "Media",
  "Capital",
  "Labs",
  "Robotics",
  "Textiles",
  "Construction",
  "Engineering",
  "Software",
  "Health",
  "Retail",
  "Design",
  "Ventures",
  "Networks",
  "Transport",
  "Hotels",
  "Insurance",
  "Chemicals",
  "Metals",
  "Farms",
  "Studios",
  "Group",
  "Holdings",
  "Trading",
  "Supplies",
  "Electronics",
  "Biotech",
  "Architects",
  "Clinics",
  "Dynamics",
  "Industries",
].map((w) => word(w));
export const ADJECTIVES = [
  "Apex",
  "Blue",
  "Northern",
  "Global",
  "Prime",
  "Silver",
  "Green",
  "Bright",
  "United",
  "Pacific",
  "Alpine",
  "Golden",
  "Summit",
  "Nova",
  "Vertex",
  "Crescent",
  "Evergreen",
  "Polar",
  "Royal",
  "Urban",
  "Meridian",
  "Atlas",
  "Horizon",
  "Pioneer",
  "Cedar",
].map((w) => word(w));
const JOB_TITLES_EN = [
  "Account Executive",
  "Sales Manager",
  "CEO",
  "CTO",
  "CFO",
  "Head of Procurement",
  "Marketing Director",
  "Office Manager",
  "Software Engineer",
  "Purchasing Manager",
  "Operations Director",
  "VP Sales",
  "Product Manager",
  "HR Manager",
  "Customer Success Manager",
  "Founder",
  "Managing Director",
  "IT Administrator",
  "Business Analyst",
  "Project Manager",
];
const LOCAL_JOBS: Record<string, string[]> = {
  DE: ["Geschäftsführer", "Einkaufsleiterin", "Vertriebsleiter"],
  AT: ["Geschäftsführerin", "Prokurist"],
  CH: ["Geschäftsführer"],
  FR: ["Directeur général", "Responsable des achats", "Chargée d'affaires"],
  BE: ["Directeur commercial"],
  ES: ["Jefe de compras", "Directora comercial"],
  MX: ["Gerente de ventas", "Director de compras"],
  AR: ["Gerente comercial"],
  CL: ["Jefa de ventas"],
  CO: ["Gerente general"],
  PE: ["Jefe de compras"],
  PL: ["Dyrektor handlowy", "Kierownik działu zakupów", "Księgowa"],
  JP: ["営業部長", "代表取締役", "購買課長"],
  CN: ["销售经理", "总经理"],
  TW: ["業務經理"],
  KR: ["영업부장", "대표이사"],
  RU: ["Генеральный директор", "Коммерческий директор"],
  UA: ["Комерційний директор"],
  GR: ["Διευθυντής πωλήσεων"],
  IL: ["מנהל מכירות"],
  BR: ["Diretor comercial", "Gerente de compras"],
  PT: ["Diretora comercial"],
  IT: ["Direttore commerciale", "Responsabile acquisti"],
  TR: ["Satış Müdürü", "Genel Müdür"],
  NL: ["Inkoper", "Directeur"],
  CZ: ["Obchodní ředitel"],
  HU: ["Értékesítési vezető"],
};
/** English titles everywhere, plus (weighted ×4) the country's own. */
export const jobTitlesFor = (code: string): Word[] => [...JOB_TITLES_EN, ...Array.from({ length: 4 }, () => LOCAL_JOBS[code] ?? []).flat()].map((w) => word(w));
export const INDUSTRIES = [
  "Software",
  "Manufacturing",
  "Retail",
  "Healthcare",
  "Financial services",
  "Education",
  "Logistics",
  "Energy",
  "Construction",
  "Hospitality",
  "Media",
  "Telecommunications",
  "Automotive",
  "Agriculture",
  "Pharmaceuticals",
  "Real estate",
  "Consulting",
  "Government",
  "Non-profit",
  "Food & beverage",
];
export const CONTACT_TAGS = [
  "vip",
  "newsletter",
  "partner",
  "churn-risk",
  "trade-show-2024",
  "webinar",
  "beta-tester",
  "referral",
  "decision-maker",
  "champion",
];
export const COMPANY_TAGS = ["customer", "partner", "prospect", "reseller", "enterprise", "smb", "strategic"];
export const SUBJECTS: Record<"note" | "call" | "email" | "meeting", string[]> = {
  note: [
    "Follow-up notes",
    "Pricing discussion",
    "Renewal risk",
    "Intro call summary",
    "Requirements",
    "Budget confirmed",
    "Next steps",
    "Competitor mentioned",
    "Org chart",
    "Feedback on onboarding",
    "Legal review",
    "Security questionnaire",
  ],
  call: [
    "Discovery call",
    "Follow-up call",
    "Check-in",
    "Demo scheduling",
    "Support escalation",
    "Renewal call",
    "Cold call",
    "Reference call",
    "Pricing call",
    "Onboarding call",
    "Quarterly check-in",
    "Callback",
  ],
  email: [
    "Re: Proposal",
    "Quote for next year",
    "Meeting follow-up",
    "Contract draft",
    "Invoice question",
    "Welcome aboard",
    "Re: Pricing",
    "Introductions",
    "Case study",
    "Webinar invitation",
    "Re: Security review",
    "Renewal reminder",
  ],
  meeting: [
    "Product demo",
    "Quarterly business review",
    "Kick-off",
    "Contract negotiation",
    "On-site visit",
    "Executive sponsor meeting",
    "Workshop",
    "Roadmap review",
    "Training session",
    "Lunch",
    "Trade show meeting",
    "Steering committee",
  ],
};
export const BODIES = [
  "<p>Spoke about the renewal. They need a revised quote by <strong>Friday</strong>.</p>",
  "<p>Budget is approved for Q3. Decision maker is the CFO.</p>",
  "<p>Asked for a security questionnaire and our SOC 2 report.</p>",
  "<p>Thanks for your time today. Attached is the proposal we discussed.</p>",
  "<ul><li>Pricing</li><li>Timeline</li><li>Integration with their ERP</li></ul>",
  "<p>They are evaluating two competitors; we are the preferred option on support.</p>",
  "<p>Follow up in two weeks after their board meeting.</p>",
  "<p>Sent the case study and a link to the recorded demo.</p>",
];
export const LOCATIONS = ["Zoom", "Google Meet", "Microsoft Teams", "Customer office", "Our office", "Café near their office"];
export const CALL_OUTCOMES = ["connected", "left_voicemail", "no_answer", "busy", "wrong_number"];
export const MEETING_OUTCOMES = ["Positive", "Needs follow-up", "Decision pending", "Not a fit"];
export const LEAD_SOURCES = ["web_form", "referral", "cold_call", "event", "ad", "import", "api", "other"];

// ---- names ----

/** A small multi-script pool used when ../shared/datasets/i18n/names is absent: [localized, romanized]. */
const BUILTIN_NAMES: Record<string, { first: [string, string][]; last: [string, string][] }> = {
  US: {
    first: [
      ["James", "James"],
      ["Mary", "Mary"],
      ["Olivia", "Olivia"],
      ["Liam", "Liam"],
      ["Emma", "Emma"],
      ["Noah", "Noah"],
    ],
    last: [
      ["Smith", "Smith"],
      ["Johnson", "Johnson"],
      ["Williams", "Williams"],
      ["Brown", "Brown"],
      ["Garcia", "Garcia"],
      ["Miller", "Miller"],
    ],
  },
  GB: {
    first: [
      ["Oliver", "Oliver"],
      ["Amelia", "Amelia"],
      ["George", "George"],
      ["Isla", "Isla"],
    ],
    last: [
      ["Taylor", "Taylor"],
      ["Davies", "Davies"],
      ["Evans", "Evans"],
      ["Wilson", "Wilson"],
    ],
  },
  DE: {
    first: [
      ["Jürgen", "Juergen"],
      ["Lena", "Lena"],
      ["Jörg", "Joerg"],
      ["Sophie", "Sophie"],
      ["Lukas", "Lukas"],
    ],
    last: [
      ["Müller", "Mueller"],
      ["Schmidt", "Schmidt"],
      ["Schäfer", "Schaefer"],
      ["Weiß", "Weiss"],
      ["Becker", "Becker"],
    ],
  },
  FR: {
    first: [
      ["Léa", "Lea"],
      ["Chloé", "Chloe"],
      ["Hugo", "Hugo"],
      ["Théo", "Theo"],
    ],
    last: [
      ["Martin", "Martin"],
      ["Lefèvre", "Lefevre"],
      ["Dubois", "Dubois"],
      ["Girard", "Girard"],
    ],
  },
  ES: {
    first: [
      ["José", "Jose"],
      ["Lucía", "Lucia"],
      ["Martín", "Martin"],
      ["Sofía", "Sofia"],
    ],
    last: [
      ["García", "Garcia"],
      ["Fernández", "Fernandez"],
      ["López", "Lopez"],
      ["Muñoz", "Munoz"],
    ],
  },
  PL: {
    first: [
      ["Łukasz", "Lukasz"],
      ["Zofia", "Zofia"],
      ["Michał", "Michal"],
      ["Agnieszka", "Agnieszka"],
    ],
    last: [
      ["Kowalczyk", "Kowalczyk"],
      ["Wiśniewski", "Wisniewski"],
      ["Nowak", "Nowak"],
      ["Wójcik", "Wojcik"],
    ],
  },
  JP: {
    first: [
      ["蒼", "Aoi"],
      ["陽翔", "Haruto"],
      ["結菜", "Yuina"],
      ["Sakura", "Sakura"],
    ],
    last: [
      ["佐藤", "Satō"],
      ["鈴木", "Suzuki"],
      ["高橋", "Takahashi"],
      ["Tanaka", "Tanaka"],
    ],
  },
  CN: {
    first: [
      ["伟", "Wei"],
      ["芳", "Fang"],
      ["静", "Jing"],
      ["Li", "Li"],
    ],
    last: [
      ["王", "Wáng"],
      ["李", "Lǐ"],
      ["张", "Zhāng"],
      ["Chen", "Chen"],
    ],
  },
  KR: {
    first: [
      ["지안", "Ji-an"],
      ["서연", "Seo-yeon"],
      ["민준", "Min-jun"],
    ],
    last: [
      ["김", "Kim"],
      ["이", "Lee"],
      ["박", "Park"],
    ],
  },
  RU: {
    first: [
      ["Александр", "Aleksandr"],
      ["Мария", "Mariya"],
      ["Дмитрий", "Dmitriy"],
      ["Anna", "Anna"],
    ],
    last: [
      ["Иванов", "Ivanov"],
      ["Смирнова", "Smirnova"],
      ["Кузнецов", "Kuznetsov"],
      ["Popov", "Popov"],
    ],
  },
  GR: {
    first: [
      ["Μαρία", "Maria"],
      ["Γιώργος", "Giorgos"],
      ["Ελένη", "Eleni"],
    ],
    last: [
      ["Παπαδόπουλος", "Papadopoulos"],
      ["Σαμαράς", "Samaras"],
      ["Νικολάου", "Nikolaou"],
    ],
  },
  IL: {
    first: [
      ["נועה", "Noa"],
      ["David", "David"],
      ["יוסף", "Yosef"],
    ],
    last: [
      ["כהן", "Cohen"],
      ["לוי", "Levi"],
      ["Mizrahi", "Mizrahi"],
    ],
  },
  IN: {
    first: [
      ["Aditi", "Aditi"],
      ["देवी", "Devi"],
      ["Arjun", "Arjun"],
      ["Priya", "Priya"],
    ],
    last: [
      ["Sharma", "Sharma"],
      ["पटेल", "Patel"],
      ["Singh", "Singh"],
      ["Kumar", "Kumar"],
    ],
  },
  BR: {
    first: [
      ["João", "Joao"],
      ["Ana", "Ana"],
      ["Gabriel", "Gabriel"],
    ],
    last: [
      ["Silva", "Silva"],
      ["Conceição", "Conceicao"],
      ["Araújo", "Araujo"],
    ],
  },
};

function readCsv(path: string): Record<string, string>[] {
  const text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const split = (line: string) => {
    const out: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i] as string;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") {
        out.push(cur);
        cur = "";
      } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const header = split(lines[0] as string);
  return lines.slice(1).map((l) => {
    const cells = split(l);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
  });
}

/** Both spellings where the native one is in another script: a CRM holds both kinds. */
function namesFrom(pairs: [string, string][]): Word[] {
  const out = new Map<string, Word>();
  for (const [localized, romanized] of pairs) {
    const roman = romanized.trim() || localized.trim();
    const shown = localized.trim() || roman;
    if (!shown || shown.length > 40) continue;
    const w = word(shown, roman);
    if (!w.slug) continue;
    out.set(w.text, w);
    if (roman && roman !== shown) {
      const r = word(roman, roman);
      if (r.slug) out.set(r.text, r);
    }
  }
  return [...out.values()];
}

export interface NameSource {
  source: string;
  byCountry: Map<string, { first: Word[]; last: Word[] }>;
}

export function loadNames(dir: string): NameSource {
  const fore = join(dir, "common-forenames-by-country.csv");
  const sur = join(dir, "common-surnames-by-country.csv");
  const byCountry = new Map<string, { first: Word[]; last: Word[] }>();
  if (existsSync(fore) && existsSync(sur)) {
    const group = (rows: Record<string, string>[]) => {
      const m = new Map<string, [string, string][]>();
      for (const r of rows) {
        const c = (r.Country ?? "").trim();
        if (!/^[A-Z]{2}$/.test(c)) continue;
        m.set(c, [...(m.get(c) ?? []), [r["Localized Name"] ?? "", r["Romanized Name"] ?? ""]]);
      }
      return m;
    };
    const f = group(readCsv(fore));
    const s = group(readCsv(sur));
    for (const [c, pairs] of f) {
      const last = s.get(c);
      if (!last) continue;
      const entry = { first: namesFrom(pairs), last: namesFrom(last) };
      if (entry.first.length >= 3 && entry.last.length >= 3) byCountry.set(c, entry);
    }
    if (byCountry.size >= 5) return { source: dir, byCountry };
    byCountry.clear();
  }
  for (const [c, p] of Object.entries(BUILTIN_NAMES)) byCountry.set(c, { first: namesFrom(p.first), last: namesFrom(p.last) });
  return { source: "built-in pool", byCountry };
}

// ---- phones ----

const examples = mobileExamples as unknown as Record<string, string>;

/**
 * The country's example mobile number with its last `digits` digits replaced: the largest `digits` (7…3)
 * for which 64 spread-out samples are all valid E.164 numbers to libphonenumber (max metadata), as the app checks.
 */
export function phoneShape(code: string): { prefix: string; digits: number } | null {
  const national = examples[code];
  if (!national) return null;
  let cc: string;
  try {
    cc = getCountryCallingCode(code as CountryCode);
  } catch {
    return null;
  }
  for (let digits = Math.min(7, national.length - 2); digits >= 3; digits--) {
    const prefix = cc + national.slice(0, national.length - digits);
    let ok = true;
    for (let s = 0; s < 64 && ok; s++) {
      const tail = String((s * 2_654_435_761 + 12_345) % 10 ** digits).padStart(digits, "0");
      const e164 = `+${prefix}${tail}`;
      const p = parsePhoneNumberFromString(e164);
      ok = Boolean(p?.isValid() && p.number === e164);
    }
    if (ok) return { prefix, digits };
  }
  return null;
}

export function countryPools(names: NameSource): CountryPool[] {
  const out: CountryPool[] = [];
  for (const [code, n] of [...names.byCountry].sort(([a], [b]) => a.localeCompare(b))) {
    const shape = phoneShape(code);
    if (!shape) continue;
    out.push({
      code,
      weight: WEIGHTS[code] ?? 0.2,
      first: n.first,
      last: n.last,
      tld: TLD[code] ?? code.toLowerCase(),
      currency: CURRENCY[code] ?? (EURO.includes(code) ? "EUR" : "USD"),
      freemail: [...(FREEMAIL[code] ?? []), ...GLOBAL_MAIL],
      legal: (LEGAL[code] ?? ["Ltd"]).map((w) => word(w)),
      nouns: [...NOUNS, ...(LOCAL_NOUNS[code] ?? []).map((w) => word(w))],
      jobs: jobTitlesFor(code),
      cities: CITIES[code] ?? [],
      phonePrefix: shape.prefix,
      phoneDigits: shape.digits,
    });
  }
  if (out.length === 0) throw new Error("No usable country pools (names and phone shapes)");
  return out;
}
