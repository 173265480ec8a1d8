/**
 * One object PUT to an S3-compatible bucket (AWS S3, MinIO, R2, …), signed with AWS Signature Version 4: all
 * `vx archive` needs, without an SDK. The bucket URL is path-style (`https://s3.<region>.amazonaws.com/<bucket>`,
 * `http://127.0.0.1:9000/<bucket>/<prefix>`); the object's key is appended to it.
 */
import { createHash, createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";

export interface S3Target {
  /** Path-style bucket URL, optionally with a key prefix. */
  url: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignInput {
  method: string;
  url: URL;
  /** Headers to sign besides host; names in any case. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body (also sent as x-amz-content-sha256). */
  payloadHash: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `20130524T000000Z`. */
  amzDate: string;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** S3's URI encoding of a path: every byte but unreserved characters and `/`. */
function encodePath(path: string): string {
  return path
    .split("/")
    .map((segment) =>
      encodeURIComponent(decodeURIComponent(segment)).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");
}

/** The Authorization header value for a request (no query string). */
export function signV4(input: SignInput): string {
  const headers: Record<string, string> = { host: input.url.host };
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value.trim();
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    input.method,
    encodePath(input.url.pathname),
    "",
    ...names.map((name) => `${name}:${headers[name]}`),
    "",
    names.join(";"),
    input.payloadHash,
  ].join("\n");
  const day = input.amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, scope, sha256(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), "s3"), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
}

/** Uploads `file` as `<bucket url>/<key>`; returns the object's URL. Throws on any answer but 2xx. */
export async function putObject(target: S3Target, key: string, file: string, now = new Date()): Promise<string> {
  const body = await readFile(file);
  const url = new URL(`${target.url.replace(/\/+$/, "")}/${key}`);
  const payloadHash = sha256(body);
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  const headers = { "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate, "content-type": "application/gzip" };
  const { region, accessKeyId, secretAccessKey } = target;
  const authorization = signV4({
    method: "PUT",
    url,
    headers,
    payloadHash,
    amzDate,
    region,
    accessKeyId,
    secretAccessKey,
  });
  const response = await fetch(url, { method: "PUT", headers: { ...headers, authorization }, body });
  if (!response.ok) {
    throw new Error(`S3 PUT ${url.pathname} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  return url.toString();
}
