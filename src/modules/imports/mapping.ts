/** Import targets per object, header synonyms, and presets for Salesforce, HubSpot and Pipedrive exports. */

export type ImportObject = "contact" | "company" | "deal" | "activity" | "ticket";

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
  "phone3",
  "jobTitle",
  "companyName",
  "companyDomain",
  "companyExternalId",
  "ownerEmail",
  "lifecycleStage",
  "leadSource",
  "leadStatus",
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

export const dealTargets = [
  "name",
  "amount",
  "currency",
  "pipeline",
  "stage",
  "probability",
  "closeDate",
  "createdAt",
  "ownerEmail",
  "companyName",
  "companyDomain",
  "companyExternalId",
  "contactEmail",
  "contactExternalId",
  "nextStep",
  "lostReason",
  "source",
  "tags",
  "externalId",
] as const;

export const activityTargets = [
  "type",
  "subject",
  "body",
  "date",
  "createdAt",
  "endsAt",
  "status",
  "priority",
  "direction",
  "durationSeconds",
  "durationMinutes",
  "outcome",
  "location",
  "ownerEmail",
  "contactEmail",
  "contactExternalId",
  "companyName",
  "companyDomain",
  "companyExternalId",
  "dealName",
  "dealExternalId",
  "relatedExternalId",
  "externalId",
] as const;

export const ticketTargets = [
  "subject",
  "body",
  "status",
  "priority",
  "type",
  "channel",
  "contactName",
  "contactEmail",
  "ownerEmail",
  "tags",
  "satisfaction",
  "createdAt",
  "firstResponseAt",
  "resolvedAt",
  "firstResponseTime",
  "resolutionTime",
  "externalId",
] as const;

/**
 * Contact targets several columns may share: a contact holds up to 20 emails and phones, and exports spread them
 * over as many columns (work, home, other…), each kept, in file order.
 */
export const contactListTargets = { email: ["email", "email2", "email3"], phone: ["phone", "mobilePhone", "phone2", "phone3"] } as const;
export const multiTargets: ReadonlySet<string> = new Set([...contactListTargets.email, ...contactListTargets.phone]);

const targetsByObject: Record<ImportObject, readonly string[]> = {
  contact: contactTargets,
  company: companyTargets,
  deal: dealTargets,
  activity: activityTargets,
  ticket: ticketTargets,
};
export const targetsOf = (object: ImportObject): readonly string[] => targetsByObject[object];

/** Header as compared: lower case, letters and digits only ("E-mail Address" → "emailaddress"). */
export const normHeader = (h: string) =>
  h
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

const synonyms: Partial<Record<ImportObject, Record<string, string[]>>> & Record<Exclude<ImportObject, "ticket">, Record<string, string[]>> = {
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
    phone2: ["homephone", "phonehome", "personphonehome"],
    phone3: ["otherphone", "phoneother", "personphoneother"],
    jobTitle: ["title", "jobtitle", "position", "role", "personjobtitle"],
    companyName: ["company", "companyname", "account", "accountname", "organization", "organisation", "organizationname", "personorganization", "employer"],
    companyDomain: ["companydomain", "companydomainname", "companywebsite"],
    companyExternalId: ["accountid", "companyid", "associatedcompanyid", "organizationid", "personorganizationid"],
    ownerEmail: ["owner", "owneremail", "contactowner", "personowner", "salesrep", "assignedto"],
    lifecycleStage: ["lifecyclestage", "personlifecyclestage"],
    leadSource: ["leadsource", "source", "originalsource"],
    leadStatus: ["leadstatus", "hsleadstatus", "personleadstatus"],
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
  deal: {
    name: ["name", "dealname", "opportunityname", "opportunity", "deal", "title", "dealtitle"],
    amount: ["amount", "value", "dealvalue", "dealamount", "closevalue", "opportunityamount"],
    currency: ["currency", "currencyisocode", "currencycode", "dealcurrency"],
    pipeline: ["pipeline", "dealpipeline", "pipelinename"],
    stage: ["stage", "stagename", "dealstage", "status", "opportunitystage"],
    probability: ["probability", "probabilitypercent", "dealprobability"],
    closeDate: ["closedate", "expectedclosedate", "dealexpectedclosedate", "closingdate", "dealclosedate"],
    createdAt: ["createddate", "createdat", "createdon", "engagedate", "dealcreated", "createdate"],
    ownerEmail: ["owner", "owneremail", "dealowner", "opportunityowner", "salesrep", "salesagent", "assignedto"],
    companyName: ["company", "companyname", "account", "accountname", "organization", "organisation", "dealorganization", "associatedcompany"],
    companyDomain: ["companydomain", "companydomainname", "companywebsite"],
    companyExternalId: ["accountid", "companyid", "associatedcompanyid", "organizationid", "dealorganizationid"],
    contactEmail: ["contactemail", "personemail", "primarycontactemail"],
    contactExternalId: ["contactid", "personid", "primarycontactid", "associatedcontactid", "dealcontactpersonid"],
    nextStep: ["nextstep", "nextsteps"],
    lostReason: ["lostreason", "closedlostreason", "reasonlost", "deallostreason"],
    source: ["source", "leadsource", "dealsource", "origin"],
    tags: ["tags", "labels", "label", "deallabels"],
    externalId: ["id", "externalid", "recordid", "dealid", "opportunityid"],
  },
  activity: {
    type: ["type", "activitytype", "tasksubtype", "subtype", "kind", "engagementtype"],
    subject: ["subject", "title", "activitysubject", "name", "summary"],
    body: ["body", "description", "notes", "note", "comments", "details", "activitynote", "content"],
    date: ["date", "activitydate", "duedate", "activityduedate", "occurredat", "when", "start", "startdate", "startdatetime", "timestamp"],
    createdAt: ["createddate", "createdat", "createdon", "createdate"],
    endsAt: ["end", "enddate", "enddatetime", "endsat"],
    status: ["status", "taskstatus", "done", "activitydone", "completed", "isclosed"],
    priority: ["priority", "taskpriority"],
    direction: ["direction", "calltype", "calldirection"],
    durationSeconds: ["calldurationinseconds", "durationseconds", "durationinseconds"],
    durationMinutes: ["duration", "durationminutes", "activityduration", "callduration"],
    outcome: ["outcome", "calldisposition", "calloutcome", "result", "disposition"],
    location: ["location", "place", "activitylocation"],
    ownerEmail: ["owner", "owneremail", "assignedto", "activityowner", "activityassignedtouser", "user", "activityuser"],
    contactEmail: ["contactemail", "email", "personemail", "whocontactemail", "whoemail"],
    contactExternalId: ["whoid", "contactid", "personid", "activitycontactpersonid", "associatedcontactid"],
    companyName: ["company", "companyname", "account", "accountname", "organization", "activityorganization"],
    companyDomain: ["companydomain", "companydomainname", "companywebsite"],
    companyExternalId: ["accountid", "companyid", "organizationid", "associatedcompanyid", "activityorganizationid"],
    dealName: ["deal", "dealname", "opportunity", "opportunityname", "activitydeal"],
    dealExternalId: ["dealid", "opportunityid", "associateddealid", "activitydealid"],
    relatedExternalId: ["whatid", "relatedtoid", "relatedid", "regardingid"],
    externalId: ["id", "externalid", "recordid", "activityid", "taskid", "eventid"],
  },
};

synonyms.ticket = {
  subject: ["subject", "ticketsubject", "title", "summary"],
  body: ["description", "ticketdescription", "body", "message", "content", "details"],
  status: ["status", "ticketstatus", "state"],
  priority: ["priority", "ticketpriority", "urgency"],
  type: ["type", "tickettype", "category"],
  channel: ["channel", "ticketchannel", "via", "source"],
  contactName: ["customername", "name", "contactname", "requestername", "requester", "customer"],
  contactEmail: ["customeremail", "email", "contactemail", "requesteremail", "emailaddress"],
  ownerEmail: ["assignee", "agent", "assignedto", "owner", "owneremail"],
  tags: ["tags", "labels"],
  satisfaction: ["customersatisfactionrating", "satisfaction", "satisfactionrating", "csat", "rating"],
  createdAt: ["createdat", "created", "createddate", "openedat", "opened", "dateofcreation"],
  firstResponseAt: ["firstresponseat", "firstreplyat", "firstresponse", "firstresponsedate"],
  resolvedAt: ["resolvedat", "solvedat", "resolutiondate", "closedat"],
  // Durations after opening (the header names a time taken, not a moment).
  firstResponseTime: ["firstresponsetime", "timetofirstresponse", "firstreplytime", "firstreplytimeinminutes", "responsetime"],
  resolutionTime: ["timetoresolution", "resolutiontime", "timetoresolve", "fullresolutiontime", "fullresolutiontimeinminutes"],
  externalId: ["ticketid", "id", "externalid"],
};

/** Exact headers of known exports; they win over the generic synonyms. */
export const presets: Record<
  string,
  { label: string; detect: string[] } & Record<Exclude<ImportObject, "ticket">, Record<string, string>> & { ticket?: Record<string, string> }
> = {
  salesforce: {
    label: "Salesforce",
    detect: [
      "isdeleted",
      "masterrecordid",
      "mailingcity",
      "billingcity",
      "accountid",
      "numberofemployees",
      "stagename",
      "whoid",
      "whatid",
      "tasksubtype",
      "systemmodstamp",
    ],
    contact: {
      Id: "externalId",
      FirstName: "firstName",
      LastName: "lastName",
      Name: "fullName",
      Email: "email",
      Phone: "phone",
      MobilePhone: "mobilePhone",
      HomePhone: "phone2",
      OtherPhone: "phone3",
      Title: "jobTitle",
      AccountId: "companyExternalId",
      "Account.Name": "companyName",
      MailingStreet: "street",
      MailingCity: "city",
      MailingState: "region",
      MailingPostalCode: "postalCode",
      MailingCountry: "country",
      LeadSource: "leadSource",
      // A Lead export's Status column is the lead status (a Contact export has none).
      Status: "leadStatus",
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
    deal: {
      Id: "externalId",
      Name: "name",
      AccountId: "companyExternalId",
      "Account.Name": "companyName",
      StageName: "stage",
      Amount: "amount",
      Probability: "probability",
      CloseDate: "closeDate",
      CreatedDate: "createdAt",
      CurrencyIsoCode: "currency",
      NextStep: "nextStep",
      LeadSource: "source",
      Loss_Reason__c: "lostReason",
      "Owner.Email": "ownerEmail",
    },
    activity: {
      Id: "externalId",
      TaskSubtype: "type",
      Subject: "subject",
      Description: "body",
      ActivityDate: "date",
      ActivityDateTime: "date",
      EndDateTime: "endsAt",
      CreatedDate: "createdAt",
      Status: "status",
      Priority: "priority",
      WhoId: "contactExternalId",
      WhatId: "relatedExternalId",
      AccountId: "companyExternalId",
      CallType: "direction",
      CallDurationInSeconds: "durationSeconds",
      CallDisposition: "outcome",
      Location: "location",
      "Owner.Email": "ownerEmail",
    },
  },
  hubspot: {
    label: "HubSpot",
    detect: ["recordid", "lifecyclestage", "contactowner", "companydomainname", "associatedcompanyid", "dealname", "createdate", "associatedcompanyids"],
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
      "Lead Status": "leadStatus",
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
    deal: {
      "Record ID": "externalId",
      "Deal Name": "name",
      Amount: "amount",
      Currency: "currency",
      Pipeline: "pipeline",
      "Deal Stage": "stage",
      "Close Date": "closeDate",
      "Create Date": "createdAt",
      "Deal owner": "ownerEmail",
      "Associated Company": "companyName",
      "Associated Company IDs": "companyExternalId",
      "Associated Contact IDs": "contactExternalId",
      "Closed Lost Reason": "lostReason",
      "Next step": "nextStep",
    },
    activity: {
      "Record ID": "externalId",
      "Activity type": "type",
      "Engagement type": "type",
      Subject: "subject",
      Title: "subject",
      "Body preview": "body",
      Notes: "body",
      "Activity date": "date",
      "Create date": "createdAt",
      "Activity assigned to": "ownerEmail",
      "Call direction": "direction",
      "Call outcome": "outcome",
      "Associated Contact IDs": "contactExternalId",
      "Associated Company IDs": "companyExternalId",
      "Associated Deal IDs": "dealExternalId",
    },
  },
  pipedrive: {
    label: "Pipedrive",
    detect: [
      "personname",
      "personorganization",
      "organizationname",
      "personemailwork",
      "personid",
      "organizationid",
      "dealtitle",
      "dealstage",
      "activitysubject",
      "activitytype",
    ],
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
      "Person - Phone - Other": "phone3",
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
    deal: {
      "Deal - ID": "externalId",
      "Deal - Title": "name",
      "Deal - Value": "amount",
      "Deal - Currency": "currency",
      "Deal - Pipeline": "pipeline",
      "Deal - Stage": "stage",
      "Deal - Expected close date": "closeDate",
      "Deal - Deal created": "createdAt",
      "Deal - Owner": "ownerEmail",
      "Deal - Organization": "companyName",
      "Deal - Organization ID": "companyExternalId",
      "Deal - Contact person": "contactEmail",
      "Deal - Lost reason": "lostReason",
      "Deal - Source": "source",
      "Deal - Labels": "tags",
    },
    activity: {
      "Activity - ID": "externalId",
      "Activity - Type": "type",
      "Activity - Subject": "subject",
      "Activity - Note": "body",
      "Activity - Due date": "date",
      "Activity - Add time": "createdAt",
      "Activity - Done": "status",
      "Activity - Priority": "priority",
      "Activity - Duration": "durationMinutes",
      "Activity - Location": "location",
      "Activity - Assigned to user": "ownerEmail",
      "Activity - Contact person": "contactEmail",
      "Activity - Organization": "companyName",
      "Activity - Deal": "dealName",
      "Activity - Deal ID": "dealExternalId",
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
  for (const [target, words] of Object.entries(synonyms[object] ?? {})) for (const w of words) if (!synonymOf.has(w)) synonymOf.set(w, target);
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
