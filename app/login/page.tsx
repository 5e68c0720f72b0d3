/**
 * `/login`: the sign-in form, with the demo accounts listed beside it. This server component
 * reads the demo logins from the seed module and hands plain data to the client form, so no
 * server code reaches the browser bundle.
 */
import type { Metadata } from 'next';
import type { ReactElement } from 'react';
import { FAVICON_DATA_URL } from '@/app/hangarshare/owner/dashboard/components/icons';
import { DEMO_ACCOUNTS } from '@/lib/db/seed';
import { LoginForm, type DemoAccount } from './LoginForm';
import styles from './login.module.css';

export const metadata: Metadata = { title: 'Entrar — HangarShare', icons: { icon: FAVICON_DATA_URL } };

const demoAccounts: DemoAccount[] = DEMO_ACCOUNTS.map((a) => ({
  email: a.email,
  password: a.password,
  name: `${a.firstName} ${a.lastName}`,
  company: a.company,
  role: a.role,
}));

/** The login page. */
export default function LoginPage(): ReactElement {
  return (
    <main className={styles.page}>
      <section className={styles.hero} aria-hidden="true">
        <div className={styles.brand}>HangarShare</div>
        <p className={styles.tagline}>Receita, reservas e ocupação dos seus hangares, em tempo real.</p>
      </section>
      <section className={styles.panel}>
        <h1 className={styles.title}>Entrar</h1>
        <p className={styles.lead}>Acesse o painel do proprietário.</p>
        <LoginForm demoAccounts={demoAccounts} />
      </section>
    </main>
  );
}
