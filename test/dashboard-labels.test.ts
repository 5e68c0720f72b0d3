/** The dashboard keeps the portal component's pt-BR labels (portal.md §4) where the portal had them. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ConnectionBar } from '../app/hangarshare/owner/dashboard/components/ConnectionBar';
import { MetricCards } from '../app/hangarshare/owner/dashboard/components/MetricCards';
import { NotificationsPanel } from '../app/hangarshare/owner/dashboard/components/NotificationsPanel';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe("the portal's labels", () => {
  it('on the four cards', () => {
    const html = text(
      renderToStaticMarkup(createElement(MetricCards, { metrics: { revenueToday: 10, bookingsToday: 1, occupancyRate: 50, growthPercentage: 2 } as never })),
    );
    for (const label of ['Receita em Tempo Real', 'Hoje', 'Reservas Hoje', 'Ocupação Atual', 'Crescimento', 'Vs. semana anterior'])
      expect(html).toContain(label);
  });

  it('on the notifications', () => {
    const html = text(
      renderToStaticMarkup(
        createElement(NotificationsPanel, {
          bookings: [
            { id: '1', guestName: 'Ana', hangarNumber: 'H-7', checkIn: '2026-12-01T00:00:00Z', checkOut: '2026-12-02T00:00:00Z', amount: 500, duration: 1 },
          ],
          occupancy: [{ hangarId: '3', hangarNumber: 'H-9', occupancyRate: 50, totalSpots: 2, occupiedSpots: 1, isNowOccupied: true, timestamp: 0 }],
          onClear: () => {},
        }),
      ),
    );
    for (const label of ['Notificações em Tempo Real', 'Últimas Reservas', 'Mudanças de Ocupação', 'Hangar H-7', 'Hangar H-9', 'Ocupado', 'Limpar'])
      expect(html).toContain(label);
  });

  it('on the connection bar', () => {
    expect(text(renderToStaticMarkup(createElement(ConnectionBar, { status: 'connected', error: null, onReconnect: () => {} })))).toContain(
      'Conectado em tempo real',
    );
    const off = text(renderToStaticMarkup(createElement(ConnectionBar, { status: 'reconnecting', error: null, onReconnect: () => {} })));
    expect(off).toContain('Desconectado - Tentando reconectar...');
    expect(off).toContain('Reconectar');
  });
});
