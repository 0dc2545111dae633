/** Import targets per object, header synonyms, and presets for Salesforce, HubSpot and Pipedrive exports. */

export type ImportObject = "contact" | "company";

export const contactTargets = [
  "firstName",
  "lastName",
  "fullName",
  "email",
  "email2",
  "email3",
  "phone",
  "mobilePhone",
  "phone2",
  "jobTitle",
  "companyName",
  "companyDomain",
  "companyExternalId",
  "ownerEmail",
  "lifecycleStage",
  "leadSource",
  "tags",
  "street",
  "city",
  "region",
  "postalCode",
  "country",
  "linkedin",
  "doNotContact",
  "emailConsent",
  "externalId",
] as const;

export const companyTargets = [
  "name",
  "domain",
  "industry",
  "employees",
  "annualRevenue",
  "currency",
  "phone",
  "street",
  "city",
  "region",
  "postalCode",
  "country",
  "description",
  "tags",
  "ownerEmail",
  "externalId",
] as const;

export const targetsOf = (object: ImportObject): readonly string[] => (object === "contact" ? contactTargets : companyTargets);

/** Header as compared: lower case, letters and digits only ("E-mail Address" → "emailaddress"). */
export const normHeader = (h: string) =>
  h
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

const synonyms: Record<ImportObject, Record<string, string[]>> = {
  contact: {
    firstName: ["firstname", "first", "givenname", "forename", "vorname", "prenom", "personfirstname"],
    lastName: ["lastname", "last", "surname", "familyname", "nachname", "nom", "personlastname"],
    fullName: ["name", "fullname", "contactname", "personname", "contact"],
    email: ["email", "emailaddress", "mail", "emailwork", "workemail", "primaryemail", "personemail", "personemailwork", "businessemail"],
    email2: ["emailhome", "homeemail", "email2", "secondaryemail", "personemailhome", "personalemail"],
    email3: ["emailother", "otheremail", "email3", "personemailother"],
    phone: [
      "phone",
      "phonenumber",
      "telephone",
      "tel",
      "workphone",
      "phonework",
      "businessphone",
      "officephone",
      "personphone",
      "personphonework",
      "directphone",
    ],
    mobilePhone: ["mobile", "mobilephone", "mobilephonenumber", "cell", "cellphone", "phonemobile", "personphonemobile", "handy"],
    phone2: ["homephone", "phonehome", "otherphone", "phoneother", "personphonehome", "personphoneother"],
    jobTitle: ["title", "jobtitle", "position", "role", "personjobtitle"],
    companyName: ["company", "companyname", "account", "accountname", "organization", "organisation", "organizationname", "personorganization", "employer"],
    companyDomain: ["companydomain", "companydomainname", "companywebsite"],
    companyExternalId: ["accountid", "companyid", "associatedcompanyid", "organizationid", "personorganizationid"],
    ownerEmail: ["owner", "owneremail", "contactowner", "personowner", "salesrep", "assignedto"],
    lifecycleStage: ["lifecyclestage", "personlifecyclestage"],
    leadSource: ["leadsource", "source", "originalsource"],
    tags: ["tags", "labels", "label", "personlabels"],
    street: ["street", "address", "streetaddress", "address1", "addressline1", "mailingstreet"],
    city: ["city", "town", "mailingcity"],
    region: ["state", "region", "stateregion", "province", "mailingstate"],
    postalCode: ["zip", "zipcode", "postalcode", "postcode", "plz", "mailingpostalcode"],
    country: ["country", "countryregion", "mailingcountry", "countrycode"],
    linkedin: ["linkedin", "linkedinurl", "linkedinprofile"],
    doNotContact: ["donotcontact", "donotcall"],
    emailConsent: ["emailconsent", "emailoptin", "hasnewsletter", "newsletter", "subscribed"],
    externalId: ["id", "externalid", "recordid", "contactid", "personid"],
  },
  company: {
    name: ["name", "companyname", "company", "accountname", "account", "organization", "organisation", "organizationname"],
    domain: ["domain", "website", "companydomainname", "websiteurl", "web", "url", "organizationwebsite"],
    industry: ["industry", "sector", "organizationindustry"],
    employees: ["employees", "numberofemployees", "employeecount", "headcount", "organizationnumberofemployees"],
    annualRevenue: ["annualrevenue", "revenue", "organizationannualrevenue"],
    currency: ["currency", "currencyisocode", "currencycode"],
    phone: ["phone", "phonenumber", "telephone", "tel", "companyphone"],
    street: ["street", "address", "streetaddress", "address1", "billingstreet"],
    city: ["city", "town", "billingcity"],
    region: ["state", "region", "stateregion", "province", "billingstate"],
    postalCode: ["zip", "zipcode", "postalcode", "postcode", "billingpostalcode"],
    country: ["country", "countryregion", "billingcountry", "countrycode"],
    description: ["description", "about", "background", "notes"],
    tags: ["tags", "labels", "label", "organizationlabels"],
    ownerEmail: ["owner", "owneremail", "companyowner", "accountowner", "organizationowner"],
    externalId: ["id", "externalid", "recordid", "accountid", "companyid", "organizationid"],
  },
};

/** Exact headers of known exports; they win over the generic synonyms. */
export const presets: Record<string, { label: string; detect: string[]; contact: Record<string, string>; company: Record<string, string> }> = {
  salesforce: {
    label: "Salesforce",
    detect: ["isdeleted", "masterrecordid", "mailingcity", "billingcity", "accountid", "numberofemployees"],
    contact: {
      Id: "externalId",
      FirstName: "firstName",
      LastName: "lastName",
      Name: "fullName",
      Email: "email",
      Phone: "phone",
      MobilePhone: "mobilePhone",
      HomePhone: "phone2",
      Title: "jobTitle",
      AccountId: "companyExternalId",
      "Account.Name": "companyName",
      MailingStreet: "street",
      MailingCity: "city",
      MailingState: "region",
      MailingPostalCode: "postalCode",
      MailingCountry: "country",
      LeadSource: "leadSource",
      DoNotCall: "doNotContact",
    },
    company: {
      Id: "externalId",
      Name: "name",
      Website: "domain",
      Industry: "industry",
      NumberOfEmployees: "employees",
      AnnualRevenue: "annualRevenue",
      CurrencyIsoCode: "currency",
      Phone: "phone",
      BillingStreet: "street",
      BillingCity: "city",
      BillingState: "region",
      BillingPostalCode: "postalCode",
      BillingCountry: "country",
      Description: "description",
    },
  },
  hubspot: {
    label: "HubSpot",
    detect: ["recordid", "lifecyclestage", "contactowner", "companydomainname", "associatedcompanyid"],
    contact: {
      "Record ID": "externalId",
      "First Name": "firstName",
      "Last Name": "lastName",
      Email: "email",
      "Phone Number": "phone",
      "Mobile Phone Number": "mobilePhone",
      "Job Title": "jobTitle",
      "Company Name": "companyName",
      "Associated Company ID": "companyExternalId",
      "Contact owner": "ownerEmail",
      "Lifecycle Stage": "lifecycleStage",
      "Street Address": "street",
      City: "city",
      "State/Region": "region",
      "Postal Code": "postalCode",
      "Country/Region": "country",
    },
    company: {
      "Record ID": "externalId",
      "Company name": "name",
      "Company Domain Name": "domain",
      "Website URL": "domain",
      Industry: "industry",
      "Number of Employees": "employees",
      "Annual Revenue": "annualRevenue",
      "Phone Number": "phone",
      "Street Address": "street",
      City: "city",
      "State/Region": "region",
      "Postal Code": "postalCode",
      "Country/Region": "country",
      "Company owner": "ownerEmail",
      Description: "description",
    },
  },
  pipedrive: {
    label: "Pipedrive",
    detect: ["personname", "personorganization", "organizationname", "personemailwork", "personid", "organizationid"],
    contact: {
      "Person - ID": "externalId",
      "Person - Name": "fullName",
      "Person - First name": "firstName",
      "Person - Last name": "lastName",
      "Person - Email - Work": "email",
      "Person - Email - Home": "email2",
      "Person - Email - Other": "email3",
      "Person - Phone - Work": "phone",
      "Person - Phone - Mobile": "mobilePhone",
      "Person - Phone - Home": "phone2",
      "Person - Job title": "jobTitle",
      "Person - Organization": "companyName",
      "Organization - Name": "companyName",
      "Person - Owner": "ownerEmail",
      "Person - Labels": "tags",
    },
    company: {
      "Organization - ID": "externalId",
      "Organization - Name": "name",
      "Organization - Website": "domain",
      "Organization - Industry": "industry",
      "Organization - Number of employees": "employees",
      "Organization - Annual revenue": "annualRevenue",
      "Organization - Address": "street",
      "Organization - Owner": "ownerEmail",
      "Organization - Labels": "tags",
    },
  },
};

/** The export a header row most likely comes from, or null. */
export function detectPreset(headers: string[]): string | null {
  const norm = new Set(headers.map(normHeader));
  let best: { name: string; hits: number } | null = null;
  for (const [name, p] of Object.entries(presets)) {
    const hits = p.detect.filter((d) => norm.has(d)).length;
    if (hits >= 2 && (!best || hits > best.hits)) best = { name, hits };
  }
  return best?.name ?? null;
}

/** Suggested target per header (null: leave out). Each target is used once, by the first header that fits. */
export function suggestMapping(
  object: ImportObject,
  headers: string[],
  preset?: string | null,
): { mapping: Record<string, string | null>; preset: string | null } {
  const chosen = preset === undefined ? detectPreset(headers) : preset;
  const presetMap = chosen ? presets[chosen]?.[object] : undefined;
  const presetNorm = new Map(Object.entries(presetMap ?? {}).map(([h, t]) => [normHeader(h), t]));
  const synonymOf = new Map<string, string>();
  for (const [target, words] of Object.entries(synonyms[object])) for (const w of words) if (!synonymOf.has(w)) synonymOf.set(w, target);
  const used = new Set<string>();
  const mapping: Record<string, string | null> = {};
  // Two passes: preset headers claim their targets before generic synonyms can.
  for (const pass of [0, 1]) {
    for (const h of headers) {
      if (mapping[h]) continue;
      const n = normHeader(h);
      const target = pass === 0 ? presetNorm.get(n) : synonymOf.get(n);
      if (target && !used.has(target)) {
        mapping[h] = target;
        used.add(target);
      }
    }
  }
  for (const h of headers) if (!(h in mapping)) mapping[h] = null;
  // A full-name column is only useful when there are no separate first and last names.
  if (used.has("fullName") && (used.has("firstName") || used.has("lastName"))) {
    for (const h of headers) if (mapping[h] === "fullName") mapping[h] = null;
  }
  return { mapping, preset: chosen };
}
