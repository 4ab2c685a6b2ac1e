import type { HttpRequest, HttpResponse } from '@smithy/types';

/**
 * An SDK request handler that sends nothing: it records each HttpRequest the AWS SDK v3 clients
 * build (after their own serialisers, endpoint resolution and SigV4 signing) and answers with
 * recorded responses. Contract tests assert the requests; the integrator's end-to-end tests and
 * the local stand-in reuse it. Pass it as `requestHandler` to AwsCloud.
 */

export interface RecordedRequest {
  method: string;
  hostname: string;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body: string;
  /** The SigV4 credential scope's service and region (`Credential=AKID/date/region/service/aws4_request`). */
  service: string;
  region: string;
  /** The access key id that signed it ('' when unsigned, e.g. AssumeRoleWithWebIdentity). */
  accessKeyId: string;
  /**
   * What was called: `sts:AssumeRole` (query protocols: the `Action`), `acm:ListCertificates`
   * (JSON protocols: the `X-Amz-Target`), `s3:GET /bucket?tagging` and `eks:GET /clusters`
   * (REST protocols: method, path and the valueless sub-resource keys).
   */
  operation: string;
  /** The form of a query-protocol body (STS, IAM, EC2). */
  form: Record<string, string>;
  /** The parsed body of a JSON-protocol request (ACM, Budgets, Cost Explorer, CloudWatch, Logs, EKS). */
  json: unknown;
}

export type RecordedReply = { status?: number; headers?: Record<string, string>; body?: string } | { networkError: string };

export type Responder = (request: RecordedRequest, index: number) => RecordedReply | Promise<RecordedReply>;

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  // The bytes as they are (Buffer.from(view) would call the SDK body's valueOf()).
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return '[stream]';
}

function lowerHeaders(h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

export function describeRequest(request: HttpRequest): RecordedRequest {
  const headers = lowerHeaders(request.headers);
  const body = bodyText(request.body);
  const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(headers['authorization'] ?? '');
  const form = headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body)) : {};
  let json: unknown = null;
  if (/json/.test(headers['content-type'] ?? '') && body) json = JSON.parse(body);
  const service = scope?.[3] ?? '';
  const target = headers['x-amz-target'];
  const query = (request.query ?? {}) as Record<string, string | string[] | null>;
  let operation: string;
  if (form['Action']) operation = `${service}:${form['Action']}`;
  else if (target) operation = `${service}:${target.slice(target.lastIndexOf('.') + 1)}`;
  else {
    const sub = Object.keys(query).filter((k) => query[k] === '' || query[k] === null).sort();
    operation = `${service}:${request.method} ${request.path}${sub.length ? `?${sub.join('&')}` : ''}`;
  }
  return {
    method: request.method,
    hostname: request.hostname,
    path: request.path,
    query,
    headers,
    body,
    service,
    region: scope?.[2] ?? '',
    accessKeyId: scope?.[1] ?? '',
    operation,
    form,
    json,
  };
}

/** A connection failure as Node's HTTP stack reports it; the SDK retries it as transient. */
function networkError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNREFUSED', name: 'Error' });
}

export class RecordingHandler {
  readonly requests: RecordedRequest[] = [];
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly respond: Responder) {}

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const recorded = describeRequest(request);
    this.requests.push(recorded);
    const reply = await this.respond(recorded, this.requests.length - 1);
    if ('networkError' in reply) throw networkError(reply.networkError);
    const body = Buffer.from(reply.body ?? '', 'utf8');
    return {
      response: {
        statusCode: reply.status ?? 200,
        headers: { 'x-amzn-requestid': `req-${this.requests.length}`, 'content-length': String(body.length), ...reply.headers },
        body: new Uint8Array(body),
      },
    };
  }

  /** Requests whose operation is `operation` (`ec2:DescribeInstances`). */
  calls(operation: string): RecordedRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  clear(): void {
    this.requests.length = 0;
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A 200 XML answer (STS, IAM, EC2, S3). */
export const xml = (body: string, status = 200): RecordedReply => ({ status, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });

/** A JSON answer (`application/x-amz-json-1.1` for ACM, Budgets, Cost Explorer, Logs; 1.0 for CloudWatch; plain JSON for EKS). */
export const json = (body: unknown, status = 200, contentType = 'application/x-amz-json-1.1'): RecordedReply => ({
  status,
  headers: { 'content-type': contentType },
  body: JSON.stringify(body),
});

/** An awsQuery error (STS, IAM): `<ErrorResponse><Error>`. */
export const queryError = (code: string, message: string, status = 400): RecordedReply =>
  xml(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>rid</RequestId></ErrorResponse>`, status);

/** An EC2 query error: `<Response><Errors><Error>`. */
export const ec2Error = (code: string, message: string, status = 400): RecordedReply =>
  xml(`<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>rid</RequestID></Response>`, status);

/** An S3 REST-XML error: `<Error>`. */
export const s3Error = (code: string, message: string, status: number): RecordedReply => xml(`<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message><RequestId>rid</RequestId></Error>`, status);

/** A JSON-protocol error (`__type`), for awsJson and restJson services. */
export const jsonError = (type: string, message: string, status = 400, contentType = 'application/x-amz-json-1.1'): RecordedReply => ({
  status,
  headers: { 'content-type': contentType, 'x-amzn-errortype': type },
  body: JSON.stringify({ __type: type, message }),
});
