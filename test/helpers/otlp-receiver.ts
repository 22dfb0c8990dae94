import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface OtlpReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A local OTLP/HTTP receiver: keeps every request it gets and answers as a collector does. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      received.push({ path: req.url ?? '', contentType, headers: req.headers, body: Buffer.concat(parts) });
      res.writeHead(200, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' });
      res.end(contentType.includes('json') ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** The spans (and each batch's service.name) of OTLP/JSON request bodies. */
export function jsonSpans(bodies: Received[]): { spans: JsonSpan[]; serviceNames: unknown[] } {
  const spans: JsonSpan[] = [];
  const serviceNames: unknown[] = [];
  for (const { body } of bodies) {
    const parsed = JSON.parse(body.toString('utf8')) as {
      resourceSpans: { resource: { attributes: JsonSpan['attributes'] }; scopeSpans: { spans: JsonSpan[] }[] }[];
    };
    for (const resourceSpans of parsed.resourceSpans) {
      serviceNames.push(resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
      for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
    }
  }
  return { spans, serviceNames };
}
