import type { RequestListener, Server } from 'node:http';

/** A request as it would go over the wire: method, path with its query, headers, body. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** The answer: status, headers (lower-case names, string values), body as text. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const INJECTED_REQUEST_START: string;
export function requestListenerOf(server: Server): RequestListener;
export function injectRequest(listener: RequestListener, request: WireRequest): Promise<WireResponse>;
