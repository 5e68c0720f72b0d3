/** Password login as the portal's `POST /api/auth/login` does it: bcrypt check, then a 7-day token. */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { users } from '../db/schema';
import { AppError } from '../errors';
import { signToken } from './jwt';
import { ownersOfUser } from './owners';
import { checkPassword } from './password';
import { getDb } from '../runtime';

/** A bcrypt hash (cost 10) of a random string nobody knows; compared against for unknown emails. */
const DUMMY_HASH = '$2b$10$QuvUxZzUKfA/kRD0uLrKhu46Xzy3RoxgSYA2Mn2y6SkJjD1qpUNrW';

const badCredentials = () => new AppError(401, 'invalid_credentials', 'Email or password is wrong.');

/** Checks the credentials and issues a token; also returns the user's owner profiles. */
export async function login(email: string, password: string) {
  const db = await getDb();
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(sql`lower(${users.email})`, email.toLowerCase()), isNull(users.deletedAt)))
    .limit(1);
  // Unknown emails cost a bcrypt comparison too, so response times do not reveal which accounts exist.
  const ok = await checkPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user?.passwordHash || !ok) throw badCredentials();
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  const role = user.role ?? 'user';
  const token = await signToken({ id: user.id, email: user.email, role, name });
  const owners = await ownersOfUser(db, user.id);
  return {
    token,
    user: { id: user.id, name, email: user.email, plan: user.plan, role, user_type: user.userType },
    owners,
  };
}
