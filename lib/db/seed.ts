/**
 * Demo data: three owners with known logins, an admin, renters, 30 listings across Brazilian
 * aerodromes and ~2 000 bookings over the last 13 months — some active right now, some created
 * today — so every metric of the contract is non-trivial. Deterministic for a given `now` and
 * seed; idempotent (does nothing when the demo owner already exists).
 */
import { count, eq } from 'drizzle-orm';
import { hashPassword } from '../auth/password';
import { startOfDayInZone, DAY_MS } from '../time';
import type { Db } from './client';
import { hangarBookings, hangarListings, hangarOwners, users, type BookingStatus, type ListingStatus } from './schema';

/** The logins the README and the /login page show. */
export const DEMO_ACCOUNTS = [
  {
    email: 'owner@hangarshare.demo',
    password: 'demo1234',
    firstName: 'Ricardo',
    lastName: 'Almeida',
    role: 'user',
    company: 'Almeida Hangares Ltda',
    listings: 12,
  },
  {
    email: 'owner2@hangarshare.demo',
    password: 'demo1234',
    firstName: 'Fernanda',
    lastName: 'Costa',
    role: 'user',
    company: 'Costa Aviação Executiva',
    listings: 10,
  },
  {
    email: 'owner3@hangarshare.demo',
    password: 'demo1234',
    firstName: 'Paulo',
    lastName: 'Mendes',
    role: 'user',
    company: 'Mendes Aero Serviços',
    listings: 8,
  },
  { email: 'admin@hangarshare.demo', password: 'admin1234', firstName: 'Ana', lastName: 'Ribeiro', role: 'ADMIN', company: null, listings: 0 },
] as const;

const AERODROMES = [
  ['SBMT', 'Campo de Marte', 'São Paulo', 'SP'],
  ['SBSP', 'Congonhas', 'São Paulo', 'SP'],
  ['SBJD', 'Comte. Rolim Adolfo Amaro', 'Jundiaí', 'SP'],
  ['SBKP', 'Viracopos', 'Campinas', 'SP'],
  ['SDCO', 'Sorocaba', 'Sorocaba', 'SP'],
  ['SBRP', 'Leite Lopes', 'Ribeirão Preto', 'SP'],
  ['SBBH', 'Pampulha', 'Belo Horizonte', 'MG'],
  ['SBRJ', 'Santos Dumont', 'Rio de Janeiro', 'RJ'],
  ['SBJR', 'Jacarepaguá', 'Rio de Janeiro', 'RJ'],
  ['SBBI', 'Bacacheri', 'Curitiba', 'PR'],
  ['SBPA', 'Salgado Filho', 'Porto Alegre', 'RS'],
  ['SBFL', 'Hercílio Luz', 'Florianópolis', 'SC'],
  ['SBGO', 'Santa Genoveva', 'Goiânia', 'GO'],
  ['SBBR', 'Brasília', 'Brasília', 'DF'],
] as const;

const RENTERS = ['Carlos Souza', 'Juliana Lima', 'Marcos Pereira', 'Beatriz Rocha', 'Lucas Martins', 'Camila Araújo', 'Gustavo Nunes', 'Patrícia Gomes'];

/** mulberry32: a tiny deterministic PRNG so the demo looks the same on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedResult {
  seeded: boolean;
  users: number;
  owners: number;
  listings: number;
  bookings: number;
}

/** Seeds the demo data unless the demo owner exists. `now` and `seed` make it reproducible. */
export async function seedDemoData(db: Db, opts: { now?: Date; seed?: number; timeZone?: string; bookingsPerListing?: number } = {}): Promise<SeedResult> {
  const now = opts.now ?? new Date();
  const rand = prng(opts.seed ?? 20_260_127);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ n: count() }).from(users).where(eq(users.email, DEMO_ACCOUNTS[0].email));
    if (existing.n > 0) return { seeded: false, users: 0, owners: 0, listings: 0, bookings: 0 };

    const hashes = new Map<string, string>();
    for (const a of DEMO_ACCOUNTS) if (!hashes.has(a.password)) hashes.set(a.password, await hashPassword(a.password));
    const accountRows = await tx
      .insert(users)
      .values(
        DEMO_ACCOUNTS.map((a) => ({
          email: a.email,
          firstName: a.firstName,
          lastName: a.lastName,
          role: a.role,
          passwordHash: hashes.get(a.password)!,
          isHangarOwner: a.listings > 0,
        })),
      )
      .returning({ id: users.id, email: users.email });
    const renterHash = await hashPassword('renter1234');
    const renterRows = await tx
      .insert(users)
      .values(
        RENTERS.map((name, i) => ({
          email: `renter${i + 1}@hangarshare.demo`,
          firstName: name.split(' ')[0],
          lastName: name.split(' ')[1],
          passwordHash: renterHash,
        })),
      )
      .returning({ id: users.id });

    const listingRows: { id: number; dailyRate: number; totalSpaces: number; status: ListingStatus }[] = [];
    let owners = 0;
    let hangar = 0;
    for (const account of DEMO_ACCOUNTS) {
      if (!account.company) continue;
      const userId = accountRows.find((r) => r.email === account.email)!.id;
      const [owner] = await tx
        .insert(hangarOwners)
        .values({ userId, companyName: account.company, isVerified: true, verificationStatus: 'approved', phone: '+55 11 5555-0100' })
        .returning({ id: hangarOwners.id });
      owners++;
      const statuses: ListingStatus[] = ['inactive', 'pending', 'suspended', 'rejected'];
      const values = Array.from({ length: account.listings }, (_, i) => {
        const [icao, name, city, state] = AERODROMES[(hangar++ * 5) % AERODROMES.length];
        const status: ListingStatus = i >= account.listings - 2 ? statuses[(owners + i) % statuses.length] : 'active';
        const dailyRate = between(15, 90) * 10;
        const totalSpaces = between(1, 6);
        return {
          ownerId: owner.id,
          icaoCode: icao,
          aerodromeName: name,
          city,
          state,
          hangarNumber: `H-${String(hangar).padStart(2, '0')}`,
          hangarSizeSqm: String(between(200, 1500)),
          dailyRate: String(dailyRate),
          weeklyRate: String(dailyRate * 6),
          monthlyRate: String(dailyRate * 22),
          hourlyRate: String(Math.round(dailyRate / 8)),
          status,
          totalSpaces,
          availableSpaces: totalSpaces,
          description: `Hangar ${hangar} em ${name} (${icao}).`,
        };
      });
      const inserted = await tx.insert(hangarListings).values(values).returning({ id: hangarListings.id });
      inserted.forEach((r, i) =>
        listingRows.push({ id: r.id, dailyRate: Number(values[i].dailyRate), totalSpaces: values[i].totalSpaces, status: values[i].status }),
      );
    }

    const perListing = opts.bookingsPerListing ?? 66;
    const todayStart = startOfDayInZone(now, opts.timeZone ?? 'America/Sao_Paulo').getTime();
    const bookings: (typeof hangarBookings.$inferInsert)[] = [];
    const book = (listing: (typeof listingRows)[number], createdAt: number, checkIn: number, nights: number, status: BookingStatus) => {
      const subtotal = listing.dailyRate * nights;
      const fees = Math.round(subtotal * 5) / 100;
      bookings.push({
        hangarId: listing.id,
        userId: pick(renterRows).id,
        createdAt: new Date(createdAt),
        updatedAt: new Date(createdAt),
        checkIn: new Date(checkIn),
        checkOut: new Date(checkIn + nights * DAY_MS),
        nights,
        subtotal: subtotal.toFixed(2),
        fees: fees.toFixed(2),
        totalPrice: (subtotal + fees).toFixed(2),
        status,
        paymentMethod: 'stripe',
        stripePaymentIntentId: `pi_demo_${bookings.length + 1}`,
      });
    };
    for (const listing of listingRows) {
      for (let i = 0; i < perListing; i++) {
        // Skewed towards recent months so growth is visible; 395 days ≈ 13 months.
        const ageMs = Math.floor(rand() ** 1.3 * 395 * DAY_MS) + 3_600_000;
        const createdAt = now.getTime() - ageMs;
        const checkIn = createdAt + between(0, 20) * DAY_MS;
        const nights = between(1, 14);
        const checkOut = checkIn + nights * DAY_MS;
        const r = rand();
        let status: BookingStatus;
        if (checkOut < now.getTime()) status = r < 0.75 ? 'completed' : r < 0.9 ? 'cancelled' : r < 0.95 ? 'rejected' : 'confirmed';
        else if (checkIn <= now.getTime()) status = r < 0.85 ? 'confirmed' : 'pending';
        else status = r < 0.6 ? 'confirmed' : r < 0.9 ? 'pending' : 'cancelled';
        book(listing, createdAt, checkIn, nights, status);
      }
      // Something happening right now on most active listings …
      if (listing.status === 'active' && rand() < 0.7) {
        const spaces = between(1, listing.totalSpaces);
        for (let s = 0; s < spaces; s++)
          book(listing, now.getTime() - between(3, 30) * DAY_MS, now.getTime() - between(1, 5) * DAY_MS, between(6, 20), 'confirmed');
      }
      // … and bookings made today (in the booking time zone), before now.
      const sinceMidnight = Math.max(60_000, now.getTime() - todayStart);
      for (let t = between(0, 2); t > 0; t--) {
        book(
          listing,
          now.getTime() - Math.floor(rand() * sinceMidnight),
          now.getTime() + between(1, 30) * DAY_MS,
          between(1, 10),
          pick(['pending', 'confirmed', 'confirmed'] as const),
        );
      }
    }
    for (let i = 0; i < bookings.length; i += 500) await tx.insert(hangarBookings).values(bookings.slice(i, i + 500));
    return { seeded: true, users: accountRows.length + renterRows.length, owners, listings: listingRows.length, bookings: bookings.length };
  });
}
