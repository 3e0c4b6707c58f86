// Types of local/loopback-guard.mjs (plain JavaScript: the dynalite worker thread loads it too).
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

export interface GuardOptions {
  /** More ports Host and Origin may name (a proxy in front of the service); read on each request. */
  ports?: readonly number[];
  /** More Host values accepted as given (e.g. PUBLIC_BASE_URL's host). */
  hosts?: readonly string[];
  /** More origins accepted (e.g. PUBLIC_BASE_URL's origin). */
  origins?: readonly string[];
  /** The service serves pages: a GET or HEAD from another site (a followed link) passes. */
  pages?: boolean;
}

export interface Refusal {
  status: 403 | 421;
  message: string;
}

export function parseHost(value: string): { name: string; port: number } | undefined;
export function refusal(req: IncomingMessage, options?: GuardOptions): Refusal | undefined;
export function refuse(req: IncomingMessage, res: ServerResponse, why: Refusal): void;
export function guardListener(listener: RequestListener, options?: GuardOptions): RequestListener;
export function guardServer<S extends Server>(server: S, options?: GuardOptions): S;
