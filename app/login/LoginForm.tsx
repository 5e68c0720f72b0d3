'use client';
/**
 * The sign-in form: posts `{ email, password }` to `/api/auth/login`, keeps the token, user and
 * owner profiles in localStorage (where the portal's AuthContext keeps them) and opens the owner
 * dashboard. The demo accounts fill the form with one click.
 */
import { useRouter } from 'next/navigation';
import { useState, type FormEvent, type ReactElement } from 'react';
import { saveSession, type OwnerProfile, type SessionUser } from '@/app/hangarshare/session/session';
import styles from './login.module.css';

/** A demo login as the page shows it. */
export interface DemoAccount {
  email: string;
  password: string;
  name: string;
  company: string | null;
  role: string;
}

const DASHBOARD = '/hangarshare/owner/dashboard';

async function signIn(email: string, password: string): Promise<{ token: string; user: SessionUser; owners: OwnerProfile[] }> {
  const res = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.ok) return res.json();
  if (res.status === 401 || res.status === 400) throw new Error('E-mail ou senha incorretos.');
  if (res.status === 429) throw new Error('Muitas tentativas. Aguarde um momento e tente de novo.');
  throw new Error('Não foi possível entrar agora. Tente novamente em instantes.');
}

/** The form and the demo account list. */
export function LoginForm({ demoAccounts }: { demoAccounts: DemoAccount[] }): ReactElement {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      saveSession(await signIn(email.trim(), password));
      router.push(DASHBOARD);
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : 'Não foi possível entrar.');
      setBusy(false);
    }
  }

  return (
    <>
      <form className={styles.form} onSubmit={onSubmit} data-testid="login-form" aria-describedby={error ? 'login-error' : undefined}>
        <label className={styles.label}>
          E-mail
          <input
            className={styles.input}
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="login-email"
          />
        </label>
        <label className={styles.label}>
          Senha
          <input
            className={styles.input}
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        {error && (
          <p id="login-error" className={styles.error} role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button className={styles.submit} type="submit" disabled={busy} data-testid="login-submit">
          {busy ? 'Entrando…' : 'Entrar'}
        </button>
      </form>
      <div className={styles.demo}>
        <h2 className={styles.demoTitle}>Contas de demonstração</h2>
        <ul className={styles.demoList}>
          {demoAccounts.map((a) => (
            <li key={a.email}>
              <button
                type="button"
                className={styles.demoAccount}
                data-testid="demo-account"
                onClick={() => {
                  setEmail(a.email);
                  setPassword(a.password);
                }}
              >
                <strong>{a.company ?? `${a.name} (administradora)`}</strong>
                <span>
                  {a.email} · {a.password}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
