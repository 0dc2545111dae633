import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * The provider's client secret at rest. With RAPPORT_SECRET_KEY set it is sealed with AES-256-GCM under a key derived
 * from it, so a copy of the database (a backup, a dump) does not carry a usable secret; without, it is kept as given
 * and only ever leaves the server toward the provider.
 */
const keyOf = (secretKey: string) => createHash("sha256").update(`rapport-sso:${secretKey}`).digest();

export function sealSecret(plain: string, secretKey: string | undefined): string {
  if (!secretKey) return `plain:${plain}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secretKey), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `enc:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
}

export function openSecret(stored: string, secretKey: string | undefined): string {
  if (stored.startsWith("plain:")) return stored.slice("plain:".length);
  if (!stored.startsWith("enc:v1:")) throw new Error("Unknown client secret format");
  if (!secretKey) throw new Error("The SSO client secret is encrypted but RAPPORT_SECRET_KEY is not set");
  const raw = Buffer.from(stored.slice("enc:v1:".length), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", keyOf(secretKey), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
