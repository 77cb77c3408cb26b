// The renderer's side of the control API (shared/api/contract.ts).
import type { ApiErrorBody } from '../../shared/api/contract';
import type { FieldErrors } from '../../shared/profiles/profileSchema';
import { windowKeyHeaders } from './windowKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }

  get fields(): FieldErrors {
    return (this.body.fields as FieldErrors | undefined) ?? {};
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { ...windowKeyHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'gateway-unavailable', 'DeskBridge lost contact with its own background service. Restart DeskBridge.', {});
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (parsed ?? {}) as Partial<ApiErrorBody> & Record<string, unknown>;
    throw new ApiError(response.status, error.error ?? 'internal', error.message ?? `Request failed (${response.status}).`, error);
  }
  return parsed as T;
}

export function wsOrigin(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}
