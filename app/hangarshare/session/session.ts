/**
 * The browser session as the portal keeps it: the JWT in `localStorage['token']` (AuthContext),
 * the user JSON in `localStorage['user']`, plus the owner profiles from the login response in
 * `localStorage['owners']` and the chosen one in `localStorage['ownerId']`. Reads are defensive:
 * anything malformed counts as absent. Browser-only; every function is a no-op on the server.
 */

/** An owner profile as `POST /api/auth/login` returns it. */
export interface OwnerProfile {
  id: number | string;
  companyName: string;
}

/** The user as `POST /api/auth/login` returns it. */
export interface SessionUser {
  id: number;
  name: string;
  email: string;
  role: string;
}

/** What a signed-in tab knows. */
export interface Session {
  token: string;
  user: SessionUser | null;
  owners: OwnerProfile[];
  /** The owner chosen last, if any. */
  ownerId: string | null;
}

const store = (): Storage | null => (typeof window === 'undefined' ? null : window.localStorage);

function readJson<T>(key: string): T | null {
  try {
    const raw = store()?.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

/** The session, or null when there is no token. */
export function readSession(): Session | null {
  const token = store()?.getItem('token');
  if (!token) return null;
  const owners = readJson<OwnerProfile[]>('owners');
  return { token, user: readJson<SessionUser>('user'), owners: Array.isArray(owners) ? owners : [], ownerId: store()?.getItem('ownerId') ?? null };
}

/** Stores a login response. */
export function saveSession(login: { token: string; user: SessionUser; owners?: OwnerProfile[] }): void {
  const s = store();
  if (!s) return;
  s.setItem('token', login.token);
  s.setItem('user', JSON.stringify(login.user));
  s.setItem('owners', JSON.stringify(login.owners ?? []));
  s.removeItem('ownerId');
}

/** Remembers the owner shown. */
export function rememberOwner(ownerId: string): void {
  store()?.setItem('ownerId', ownerId);
}

/** The token as stored now (another tab may have refreshed it). */
export function storedToken(): string {
  return store()?.getItem('token') ?? '';
}

/** Signs out this browser (all tabs see the `storage` event). */
export function clearSession(): void {
  const s = store();
  if (!s) return;
  for (const key of ['token', 'user', 'owners', 'ownerId']) s.removeItem(key);
}

/**
 * The owner to show: `?ownerId=` (admins may open any owner), else the remembered one if it is
 * still among the user's profiles, else the first profile; null when there is none.
 */
export function pickOwner(session: Session, query: string | null): string | null {
  if (query) return query;
  const ids = session.owners.map((o) => String(o.id));
  if (session.ownerId && ids.includes(session.ownerId)) return session.ownerId;
  return ids[0] ?? null;
}
