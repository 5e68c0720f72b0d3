/** Password hashing as the portal does it: bcrypt (pure-JS `bcryptjs`, so no native build). */
import bcrypt from 'bcryptjs';

/** Cost 10, the portal's and bcryptjs' default. */
export const hashPassword = (password: string) => bcrypt.hash(password, 10);
export const checkPassword = (password: string, hash: string) => bcrypt.compare(password, hash);
