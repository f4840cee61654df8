/**
 * Downloads through an HTTP proxy: VS Code's `http.proxy` when set, else the usual environment variables
 * (HTTPS_PROXY / HTTP_PROXY, lower case too) minus the hosts NO_PROXY names. Node's own fetch ignores
 * all of them, so a proxied download goes through undici's fetch with a ProxyAgent (CONNECT tunnels).
 */
import { ProxyAgent, fetch as undiciFetch } from 'undici';

const envOf = (env: NodeJS.ProcessEnv, name: string): string | undefined =>
  env[name] || env[name.toLowerCase()] || undefined;

/** True when NO_PROXY (comma or space separated: `*`, `host`, `.domain`, `host:port`) covers `url`. */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((rule) => {
      if (rule === '*') return true;
      const m = /^(.*?)(?::(\d+))?$/.exec(rule.toLowerCase())!;
      const ruleHost = m[1].replace(/^\*?\./, '.').replace(/^\[|\]$/g, '');
      if (m[2] && m[2] !== port) return false;
      return ruleHost.startsWith('.')
        ? host === ruleHost.slice(1) || host.endsWith(ruleHost)
        : host === ruleHost || host.endsWith(`.${ruleHost}`);
    });
}

/** The proxy a request to `url` should use, or null: `explicit` (VS Code's http.proxy) wins over the environment. */
export function proxyFor(url: string, o: { explicit?: string; env?: NodeJS.ProcessEnv } = {}): string | null {
  const env = o.env ?? process.env;
  const target = new URL(url);
  if (bypassesProxy(target, envOf(env, 'NO_PROXY'))) return null;
  const proxy =
    o.explicit ||
    (target.protocol === 'https:' ? (envOf(env, 'HTTPS_PROXY') ?? envOf(env, 'HTTP_PROXY')) : envOf(env, 'HTTP_PROXY'));
  if (!proxy) return null;
  try {
    return new URL(proxy.includes('://') ? proxy : `http://${proxy}`).href;
  } catch {
    return null; // an unusable proxy setting is ignored rather than breaking every download
  }
}

/** A fetch whose connections all go through `proxyUrl`. */
export function proxiedFetch(proxyUrl: string): typeof fetch {
  const dispatcher = new ProxyAgent(proxyUrl);
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** The proxy URL without its user and password (for logs). */
export function redactedProxy(proxyUrl: string): string {
  const u = new URL(proxyUrl);
  if (u.username || u.password) {
    u.username = '***';
    u.password = '';
  }
  return u.href;
}
