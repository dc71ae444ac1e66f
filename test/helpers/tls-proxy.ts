/**
 * A TLS-terminating reverse proxy on 127.0.0.1, as an operator puts in front of `twostep serve`
 * (nginx, Caddy): https with a self-signed certificate for `localhost`, forwarding plain http to the
 * backend with X-Forwarded-For / X-Forwarded-Proto, and the client's Host header passed through (a
 * forged one too: the IdP must not use it). `tlsFetch` is a fetch that trusts that certificate.
 */
import { request as httpRequest } from 'node:http';
import { createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';

export interface TlsProxy {
  /** `https://localhost:<port>` */
  origin: string;
  /** PEM of the proxy's certificate. */
  ca: string;
  /** Where to forward (set once the backend listens), e.g. `http://127.0.0.1:8080`. */
  target: string | undefined;
  /** Forwarding headers the proxy adds; false: it sends none (a misconfigured proxy). */
  forwardedHeaders: boolean;
  fetch: typeof fetch;
  close(): Promise<void>;
}

export async function startTlsProxy(): Promise<TlsProxy> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
  });
  const proxy: TlsProxy = {
    origin: '',
    ca: pems.cert,
    target: undefined,
    forwardedHeaders: true,
    fetch: (input, init) => tlsFetch(pems.cert, input, init),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    if (!proxy.target) {
      res.writeHead(502).end('no backend');
      return;
    }
    const target = new URL(req.url ?? '/', proxy.target);
    const headers = { ...req.headers };
    if (proxy.forwardedHeaders) {
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      headers['x-forwarded-proto'] = 'https';
    }
    const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end('backend unreachable'));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** fetch over node:https trusting `ca` (global fetch has no per-call CA). Redirects are not followed. */
export function tlsFetch(
  ca: string,
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  const headers = new Headers(input instanceof Request ? input.headers : undefined);
  for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
  const body = init.body;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      // servername: the certificate is checked against the URL, whatever Host header is sent.
      { method: init.method ?? 'GET', headers: Object.fromEntries(headers), ca, servername: url.hostname },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
              answer.append(name, v);
          }
          const status = res.statusCode ?? 502;
          const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(payload, { status, headers: answer }));
        });
      },
    );
    req.on('error', reject);
    if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else if (body instanceof URLSearchParams) {
      if (!headers.has('content-type')) req.setHeader('content-type', 'application/x-www-form-urlencoded');
      req.end(body.toString());
    } else req.end();
  });
}
