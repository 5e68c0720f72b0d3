'use client';
/**
 * The dashboard shell: reads the session from localStorage (no token → /login), picks the owner
 * (`?ownerId=`, the remembered one, or the first profile from the login response), and renders
 * the header and `RealtimeMetricsDisplay`. A sign-out or re-login in another tab reaches this one
 * through the `storage` event; the stream then follows the new token.
 */
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState, type ReactElement } from 'react';
import { RealtimeMetricsDisplay } from '@/app/hangarshare/owner/dashboard/components/RealtimeMetricsDisplay';
import { clearSession, pickOwner, readSession, rememberOwner, storedToken, type Session } from '@/app/hangarshare/session/session';
import styles from './dashboard-page.module.css';

/** The page body. */
export function OwnerDashboard(): ReactElement {
  const router = useRouter();
  const [session, setSession] = useState<Session | null>(null);
  const [ownerId, setOwnerId] = useState<string | null>(null);

  useEffect(() => {
    const load = () => {
      const s = readSession();
      if (!s) return router.replace('/login');
      setSession(s);
      setOwnerId((current) => current ?? pickOwner(s, new URLSearchParams(window.location.search).get('ownerId')));
    };
    load();
    const onStorage = (e: StorageEvent) => (e.key === 'token' || e.key === null) && load();
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [router]);

  const getToken = useCallback(async () => storedToken(), []);
  const signOut = () => {
    clearSession();
    router.replace('/login');
  };

  if (!session) return <main className={styles.loading} aria-busy="true" />;
  const owner = session.owners.find((o) => String(o.id) === ownerId);
  return (
    <div className={styles.shell}>
      <header className={styles.header}>
        <div className={styles.brand}>
          <span className={styles.logo}>HangarShare</span>
          <span className={styles.section}>Painel do proprietário</span>
        </div>
        <div className={styles.account}>
          {session.owners.length > 1 ? (
            <label className={styles.picker}>
              <span className={styles.srOnly}>Proprietário</span>
              <select
                value={ownerId ?? ''}
                data-testid="owner-select"
                onChange={(e) => {
                  rememberOwner(e.target.value);
                  setOwnerId(e.target.value);
                }}
              >
                {session.owners.map((o) => (
                  <option key={o.id} value={String(o.id)}>
                    {o.companyName}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span className={styles.company} data-testid="dashboard-owner">
              {owner?.companyName ?? (ownerId ? `Proprietário #${ownerId}` : '')}
            </span>
          )}
          <span className={styles.user}>{session.user?.name}</span>
          <button type="button" className={styles.signOut} onClick={signOut} data-testid="logout">
            Sair
          </button>
        </div>
      </header>
      <main className={styles.main}>
        <h1 className={styles.title}>Visão geral em tempo real</h1>
        {ownerId ? (
          <RealtimeMetricsDisplay key={ownerId} ownerId={ownerId} token={session.token} getToken={getToken} />
        ) : (
          <p className={styles.notice} data-testid="no-owner">
            Esta conta não tem um perfil de proprietário de hangar. Administradores podem abrir um painel com <code>?ownerId=</code>.
          </p>
        )}
      </main>
    </div>
  );
}
