/**
 * The few line icons the dashboard uses, inline SVG (the CSP allows no icon fonts or CDNs).
 * Decorative: hidden from assistive technology; the text next to them carries the meaning.
 */
import type { ReactElement, ReactNode } from 'react';

function Icon({ children, size = 18 }: { children: ReactNode; size?: number }): ReactElement {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

/** Connected. */
export const WifiIcon = () => (
  <Icon>
    <path d="M5 12.55a11 11 0 0 1 14.08 0" />
    <path d="M1.42 9a16 16 0 0 1 21.16 0" />
    <path d="M8.53 16.11a6 6 0 0 1 6.95 0" />
    <circle cx="12" cy="20" r="1" />
  </Icon>
);

/** Disconnected. */
export const WifiOffIcon = () => (
  <Icon>
    <path d="M1 1l22 22" />
    <path d="M16.72 11.06A10.94 10.94 0 0 1 19 12.55" />
    <path d="M5 12.55a10.94 10.94 0 0 1 5.17-2.39" />
    <path d="M8.53 16.11a6 6 0 0 1 6.95 0" />
    <circle cx="12" cy="20" r="1" />
  </Icon>
);

/** Revenue. */
export const MoneyIcon = () => (
  <Icon>
    <rect x="2" y="6" width="20" height="12" rx="2" />
    <circle cx="12" cy="12" r="2.5" />
    <path d="M6 12h.01M18 12h.01" />
  </Icon>
);

/** Bookings. */
export const CalendarIcon = () => (
  <Icon>
    <rect x="3" y="4" width="18" height="18" rx="2" />
    <path d="M16 2v4M8 2v4M3 10h18" />
  </Icon>
);

/** Occupancy. */
export const HangarIcon = () => (
  <Icon>
    <path d="M3 21V10l9-6 9 6v11" />
    <path d="M7 21v-6h10v6" />
  </Icon>
);

/** Growth. */
export const TrendIcon = () => (
  <Icon>
    <path d="M23 6l-9.5 9.5-5-5L1 18" />
    <path d="M17 6h6v6" />
  </Icon>
);

/** Notifications. */
export const BellIcon = () => (
  <Icon>
    <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
    <path d="M13.73 21a2 2 0 0 1-3.46 0" />
  </Icon>
);

/**
 * The site icon as a data URL, for the pages' `metadata.icons`: with it the browser does not ask
 * for `/favicon.ico` (a 404 the console would report).
 */
export const FAVICON_DATA_URL =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%231b6ef3'/%3E%3Cpath d='M6 25V13l10-7 10 7v12' fill='none' stroke='white' stroke-width='3' stroke-linejoin='round'/%3E%3Cpath d='M11 25v-6h10v6' fill='none' stroke='white' stroke-width='3'/%3E%3C/svg%3E";
