/**
 * `/hangarshare/owner/dashboard`: the owner's realtime dashboard. The session lives in the
 * browser (localStorage, as in the portal), so the page itself is a client component; this file
 * only sets the title.
 */
import type { Metadata } from 'next';
import type { ReactElement } from 'react';
import { FAVICON_DATA_URL } from '@/app/hangarshare/owner/dashboard/components/icons';
import { OwnerDashboard } from './OwnerDashboard';

export const metadata: Metadata = { title: 'Painel do proprietário — HangarShare', icons: { icon: FAVICON_DATA_URL } };

/** The dashboard page. */
export default function OwnerDashboardPage(): ReactElement {
  return <OwnerDashboard />;
}
