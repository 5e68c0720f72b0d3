/**
 * How each portal-compatible route words its refusals: the portal's own sentence for every case
 * the portal has (portal-routes.md), and a sentence in the route's language for the cases only
 * this service refuses (unknown fields, prices that do not match the rates…). The machine-readable
 * reason is always in `code`. See `portal-errors.ts`.
 */
import { fieldMessagePt, naming, TRANSPORT_CODES_EN, TRANSPORT_CODES_PT, type ErrorTable } from './portal-errors';

const AUTH_PT = { missing_token: 'Não autorizado', invalid_token: 'Token inválido', token_expired: 'Token inválido' };
const AUTH_EN = { missing_token: 'Unauthorized', invalid_token: 'Invalid token', token_expired: 'Invalid token' };
const FIELDS_PT = {
  unknown_field: naming('Campo desconhecido'),
  invalid_field: naming('Dados inválidos'),
  conflicting_fields: naming('Dados inválidos'),
  missing_fields: naming('Campo obrigatório'),
  invalid_request: 'Dados inválidos',
};
const FIELDS_EN = {
  unknown_field: naming('Unknown field'),
  invalid_field: naming('Invalid field'),
  conflicting_fields: naming('Conflicting fields'),
  missing_fields: naming('Missing field'),
  invalid_request: 'Invalid request',
};

/** `POST booking/confirm`. */
export const CONFIRM_ERRORS: ErrorTable = {
  codes: {
    ...TRANSPORT_CODES_PT,
    ...FIELDS_PT,
    missing_fields: 'Dados obrigatórios faltando',
    invalid_dates: 'Datas inválidas',
    missing_token: 'Autenticação necessária',
    invalid_token: 'Autenticação necessária',
    token_expired: 'Autenticação necessária',
    forbidden_user: 'Você só pode reservar em seu próprio nome',
    listing_not_found: 'Hangar não encontrado ou indisponível',
    listing_not_active: 'Hangar não encontrado ou indisponível',
    listing_unavailable: 'Hangar não encontrado ou indisponível',
    user_not_found: 'Usuário não encontrado',
    no_availability: 'Hangar indisponível para as datas selecionadas',
    outside_availability: 'Hangar indisponível para as datas selecionadas',
    booking_without_payment: 'Reserva existente sem pagamento associado',
    listing_without_price: 'Hangar sem tarifa definida',
    payment_provider_error: 'Erro ao confirmar reserva',
  },
  status: { 400: 'Dados inválidos', 401: 'Autenticação necessária', 500: 'Erro ao confirmar reserva' },
};

/** `POST booking/cancel` (the portal answers this one in English). */
export const CANCEL_ERRORS: ErrorTable = {
  codes: {
    ...TRANSPORT_CODES_EN,
    ...FIELDS_EN,
    ...AUTH_EN,
    missing_fields: 'bookingId and reason are required',
    already_cancelled: 'Booking is already cancelled',
    booking_completed: 'Cannot cancel a completed booking',
    booking_rejected: 'Cannot cancel a rejected booking',
    forbidden: 'Forbidden',
    booking_not_found: 'Booking not found',
    payment_provider_error: 'The refund failed, so the booking was not cancelled; try again',
  },
  status: { 400: 'Invalid request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Booking not found', 500: 'Internal server error' },
};

const OWNER_BOOKING_COMMON = {
  ...TRANSPORT_CODES_PT,
  ...FIELDS_PT,
  ...AUTH_PT,
  invalid_id: 'ID de reserva inválido',
  booking_not_found: 'Reserva não encontrada',
};

/** `GET owner/bookings/[bookingId]`. */
export const OWNER_BOOKING_GET_ERRORS: ErrorTable = {
  codes: { ...OWNER_BOOKING_COMMON, forbidden: 'Você não tem permissão para ver esta reserva' },
  status: { 401: 'Não autorizado', 500: 'Erro ao buscar reserva' },
};

/** `PATCH owner/bookings/[bookingId]`. */
export const OWNER_BOOKING_PATCH_ERRORS: ErrorTable = {
  codes: {
    ...OWNER_BOOKING_COMMON,
    forbidden: 'Você não tem permissão para atualizar esta reserva',
    missing_fields: 'Status de reserva inválido',
    invalid_field: 'Status de reserva inválido',
    conflicting_fields: 'Status de reserva inválido',
    payment_provider_error: 'Erro ao reembolsar o pagamento; a reserva não foi alterada',
  },
  status: { 401: 'Não autorizado', 500: 'Erro ao atualizar status da reserva' },
};

const LISTING_PT = {
  ...TRANSPORT_CODES_PT,
  ...FIELDS_PT,
  ...AUTH_PT,
  invalid_id: 'ID de hangar inválido',
  listing_not_found: 'Hangar não encontrado',
  forbidden: 'Acesso negado',
};

/** `GET listing/[id]`. */
export const LISTING_GET_ERRORS: ErrorTable = { codes: LISTING_PT, status: { 401: 'Token inválido', 500: 'Erro ao buscar hangar' } };

/** `PATCH listing/[id]`. */
export const LISTING_PATCH_ERRORS: ErrorTable = {
  codes: { ...LISTING_PT, invalid_dates: 'Datas de disponibilidade inválidas' },
  status: { 401: 'Não autorizado', 500: 'Erro ao atualizar hangar' },
};

/** `DELETE listing/[id]`. */
export const LISTING_DELETE_ERRORS: ErrorTable = {
  codes: { ...LISTING_PT, listing_has_bookings: 'Hangar possui reservas em andamento e não pode ser removido' },
  status: { 401: 'Não autorizado', 500: 'Erro ao remover hangar' },
};

/** `GET listings/[id]`. */
export const LISTINGS_GET_ERRORS: ErrorTable = {
  codes: { ...AUTH_EN, invalid_id: 'Invalid listing id', listing_not_found: 'Listing not found' },
  status: { 500: 'Failed to fetch listing' },
};

/** `PATCH listings/[id]`, which the edit page calls: it shows `message`, in pt-BR. */
export const LISTINGS_PATCH_ERRORS: ErrorTable = {
  codes: {
    ...TRANSPORT_CODES_EN,
    ...FIELDS_EN,
    ...AUTH_EN,
    invalid_id: 'Invalid listing id',
    forbidden: 'Forbidden',
    forbidden_status: 'Forbidden',
    listing_not_found: 'Listing not found',
    invalid_dates: 'Invalid dates',
  },
  status: { 400: 'Invalid request', 500: 'Failed to update listing' },
  message: {
    codes: {
      ...TRANSPORT_CODES_PT,
      unknown_field: fieldMessagePt,
      invalid_field: fieldMessagePt,
      conflicting_fields: fieldMessagePt,
      missing_fields: fieldMessagePt,
      invalid_id: 'ID de hangar inválido',
      missing_token: 'Sessão não encontrada; entre novamente',
      invalid_token: 'Sessão inválida ou expirada; entre novamente',
      token_expired: 'Sessão inválida ou expirada; entre novamente',
      forbidden: 'Você não tem permissão para editar este hangar',
      forbidden_status: 'Somente um administrador pode mover o hangar para este status',
      listing_not_found: 'Hangar não encontrado',
      invalid_dates: 'A data de início da disponibilidade deve ser anterior à data de fim',
    },
    status: { 400: 'Dados inválidos', 500: 'Erro ao salvar o hangar; tente novamente' },
  },
};

/** `POST webhook/stripe`. */
export const WEBHOOK_ERRORS: ErrorTable = {
  codes: {
    missing_signature: 'Invalid signature',
    invalid_signature: 'Invalid signature',
    invalid_payload: 'Invalid payload',
    payload_too_large: 'Payload too large',
    webhook_not_configured: 'Webhook not configured',
  },
  status: { 500: 'Webhook handler failed' },
};
