'use client';
/**
 * The connection line above the cards: live / reconnecting / stopped, with a "Reconectar" button
 * whenever the stream is not live, and when the figures were computed (flagged when stale).
 * `role="status"` makes screen readers announce changes without stealing focus.
 */
import type { ReactElement } from 'react';
import type { RealtimeError } from '../../../../../lib/client/errors';
import { formatTime } from '../../../../../lib/client/format';
import type { ConnectionStatus } from '../../../../../lib/client/types';
import styles from './dashboard.module.css';
import { WifiIcon, WifiOffIcon } from './icons';

export interface ConnectionBarProps {
  status: ConnectionStatus;
  error: RealtimeError | null;
  /** `metrics.lastUpdate`, ms since epoch. */
  lastUpdate?: number;
  stale?: boolean;
  onReconnect: () => void;
}

const TEXT: Record<ConnectionStatus, string> = {
  connected: 'Conectado em tempo real',
  connecting: 'Conectando…',
  reconnecting: 'Desconectado - Tentando reconectar...',
  disconnected: 'Desconectado - Tentando reconectar...',
};

/** The status line; `error` (a refusal) replaces the retry text with its reason. */
export function ConnectionBar({ status, error, lastUpdate, stale, onReconnect }: ConnectionBarProps): ReactElement {
  const live = status === 'connected';
  const text = status === 'disconnected' && error ? `Desconectado - ${describeError(error)}` : TEXT[status];
  return (
    <div className={styles.bar} data-status={status} data-testid="connection-bar">
      <div className={styles.barText} role="status" aria-live="polite" data-testid="connection-status" data-status={status}>
        <span className={styles.dot} aria-hidden="true" />
        {live ? <WifiIcon /> : <WifiOffIcon />}
        <span>{text}</span>
      </div>
      {!live && status !== 'connecting' && (
        <button type="button" className={styles.button} onClick={onReconnect} data-testid="reconnect-button">
          Reconectar
        </button>
      )}
      <div className={styles.barMeta}>
        {stale && (
          <span className={styles.stale} data-testid="stale-badge" title="O banco de dados não respondeu; estes são os últimos valores conhecidos.">
            dados desatualizados
          </span>
        )}
        {lastUpdate ? <span data-testid="last-update">Atualizado às {formatTime(lastUpdate)}</span> : null}
      </div>
    </div>
  );
}

function describeError(error: RealtimeError): string {
  if (error.status === 401) return 'sessão expirada, entre novamente';
  if (error.status === 403) return 'sem acesso a este proprietário';
  if (error.status === 404) return 'proprietário não encontrado';
  return error.message;
}
