// Writes a contacts CSV for the import benchmark: `npx tsx bench/import-contacts-gen.ts /tmp/contacts-1m.csv 1000000`.
import { createWriteStream } from "node:fs";

const [path = "/tmp/contacts.csv", countArg = "1000000"] = process.argv.slice(2);
const count = Number(countArg);
const first = ["Ada", "Grace", "Alan", "Émilie", "José", "Zoë", "Łukasz", "Søren", "Mary", "John", "Wei", "Aiko"];
const last = ["Lovelace", "Hopper", "Turing", "Durand", "García", "Müller", "Kowalski", "Jensen", "Smith", "O'Brien", "Chen", "Tanaka"];
const titles = ["CEO", "CTO", "Head of Sales", "Engineer", "Buyer, Procurement", 'Office "Manager"'];
const countries = ["US", "DE", "FR", "GB", "ES", "JP"];
const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const out = createWriteStream(path);
out.write("First Name,Last Name,Email,Phone,Title,City,Country,Tags\n");
let i = 0;
function write() {
  let ok = true;
  while (i < count && ok) {
    const f = first[i % first.length] as string;
    const l = last[(i * 7) % last.length] as string;
    const phone = `+1 212 555 ${String(1000 + (i % 9000)).padStart(4, "0")}`;
    ok = out.write(
      `${q(f)},${q(l)},user${i}@example${i % 97}.com,${phone},${q(titles[i % titles.length] as string)},City ${i % 500},${countries[i % countries.length]},${q("bench, import")}\n`,
    );
    i++;
  }
  if (i < count) out.once("drain", write);
  else out.end(() => console.log(`wrote ${count} rows to ${path}`));
}
write();
