/**
 * A real OpenID Connect provider on loopback (the `oidc-provider` package, with its development login and consent
 * pages) and a small browser for HTTP tests: cookie jars per origin, redirects followed by hand, forms submitted.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface TestAccount {
  email: string;
  emailVerified?: boolean;
  name?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login (what the provider's login page takes); tests add to it. */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

export async function startTestProvider(redirectUris: string[]): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  const clientId = "rapport-test";
  const clientSecret = "a-client-secret-only-the-test-knows-0123456789";
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    pkce: { required: () => true },
    cookies: { keys: ["test-cookie-key-0123456789"] },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, email: account.email, email_verified: account.emailVerified ?? true, name: account.name }),
      };
    },
  });
  // The development pages warn on the console about being for development: that is what they are here.
  server.on("request", provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HopResult {
  status: number;
  location?: string;
  body: string;
  url: string;
}

/**
 * Follows a browser's way through redirects: requests to the app's origin go to `app` (Fastify inject or a real
 * server), others over the network. Each origin has its own cookie jar, as in a browser.
 */
export class TestBrowser {
  readonly jars = new Map<string, Map<string, string>>();
  constructor(
    readonly appOrigin: string,
    private readonly app: (req: { method: string; url: string; headers: Record<string, string>; body?: string }) => Promise<{
      status: number;
      headers: Record<string, unknown>;
      body: string;
    }>,
  ) {}

  jar(origin: string): Map<string, string> {
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    return jar;
  }

  cookieHeader(origin: string): string {
    return [...this.jar(origin)].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private keep(origin: string, setCookies: string[]) {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(";");
      const eq = (pair ?? "").indexOf("=");
      const name = (pair ?? "").slice(0, eq).trim();
      const value = (pair ?? "").slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === "") this.jar(origin).delete(name);
      else this.jar(origin).set(name, value);
    }
  }

  /** One request, no redirect followed. */
  async hop(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<HopResult> {
    const target = new URL(url, this.appOrigin);
    const origin = target.origin;
    const method = init.method ?? (init.form ? "POST" : "GET");
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" };
    const cookie = this.cookieHeader(origin);
    if (cookie) headers.cookie = cookie;
    if (body) headers["content-type"] = "application/x-www-form-urlencoded";
    let status: number;
    let location: string | undefined;
    let text: string;
    let setCookies: string[];
    if (origin === this.appOrigin) {
      const res = await this.app({ method, url: target.pathname + target.search, headers, body });
      status = res.status;
      const loc = res.headers.location;
      location = typeof loc === "string" ? loc : undefined;
      const sc = res.headers["set-cookie"];
      setCookies = sc === undefined ? [] : Array.isArray(sc) ? sc : [sc];
      text = res.body;
    } else {
      const res = await fetch(target, { method, headers, body, redirect: "manual" });
      status = res.status;
      location = res.headers.get("location") ?? undefined;
      setCookies = res.headers.getSetCookie();
      text = await res.text();
    }
    this.keep(origin, setCookies);
    return { status, location: location ? new URL(location, target).href : undefined, body: text, url: target.href };
  }

  /** Follows redirects until a page answers; returns that last answer. */
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<HopResult> {
    let res = await this.hop(url, init);
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400 && res.location; i++) res = await this.hop(res.location);
    return res;
  }

  /**
   * Through the provider's development pages: from the page at `res` (its login form), signs in as `login`, consents,
   * and stops at the first redirect back to the app (returned unfollowed, so tests can look at or alter it).
   */
  async signInAtProvider(res: HopResult, login: string): Promise<HopResult> {
    let page = res;
    for (let step = 0; step < 6; step++) {
      const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(page.body)?.[1];
      if (!action || !prompt) throw new Error(`No form on the provider's page ${page.url} (${page.status}): ${page.body.slice(0, 300)}`);
      const form: Record<string, string> = prompt === "login" ? { prompt, login, password: "any password" } : { prompt };
      let next = await this.hop(new URL(action.replaceAll("&amp;", "&"), page.url).href, { form });
      while (next.status >= 300 && next.status < 400 && next.location && !next.location.startsWith(this.appOrigin)) next = await this.hop(next.location);
      if (next.location?.startsWith(this.appOrigin)) return next;
      page = next;
    }
    throw new Error("The provider never sent the browser back");
  }
}
