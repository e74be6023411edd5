/**
 * The live feed's wire format: the messages a client may send (validated with zod), the JSON messages
 * the server sends, and the binary best-shot frame. Documented in the README ("WebSocket").
 */
import { z } from 'zod';
import type { DetectionEvent, EventMessageType } from '../../analytics/events.ts';
import { cameraIdSchema } from '../../config/camera-schema.ts';
import type { CameraTransition } from '../../coordinator/camera-state.ts';
import type { DetectionsMessage } from '../site.ts';

/** Names in one message; what a client's filter may hold in total is bounded by filter-limits.ts. */
const MAX_FILTER_ITEMS = 64;

const filterFields = {
  cameras: z.array(cameraIdSchema).max(MAX_FILTER_ITEMS).optional(),
  labels: z.array(z.string().min(1).max(64)).max(MAX_FILTER_ITEMS).optional(),
  all: z.boolean().optional(),
  snapshots: z.boolean().optional(),
};

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().max(4096) }),
  z.strictObject({ type: z.literal('subscribe'), ...filterFields }),
  z.strictObject({ type: z.literal('unsubscribe'), ...filterFields }),
]);
export type ClientMessage = z.output<typeof clientMessageSchema>;
export type FilterChange = Omit<Extract<ClientMessage, { type: 'subscribe' }>, 'type'>;

export type ServerMessage =
  | { type: 'ready' }
  | { type: 'subscribed'; all: boolean; cameras: string[]; labels: string[]; snapshots: boolean }
  | { type: 'error'; error: { code: string; message: string; problems?: string[] } }
  | ({ type: 'detections' } & DetectionsMessage)
  | { type: 'event'; phase: EventMessageType; event: Readonly<DetectionEvent> }
  | ({ type: 'state' } & CameraTransition);

/** First byte of every binary frame: what follows. */
export const BINARY_KIND_SNAPSHOT = 1;

/**
 * A best-shot JPEG: `[kind u8 = 1][id length u16 big-endian][event id, UTF-8][JPEG bytes]`. The JSON
 * `event` message with phase `end` and the same id is always sent first.
 */
export function encodeSnapshotFrame(eventId: string, jpeg: Uint8Array): Buffer {
  const id = Buffer.from(eventId, 'utf8');
  const frame = Buffer.allocUnsafe(3 + id.byteLength + jpeg.byteLength);
  frame.writeUInt8(BINARY_KIND_SNAPSHOT, 0);
  frame.writeUInt16BE(id.byteLength, 1);
  id.copy(frame, 3);
  frame.set(jpeg, 3 + id.byteLength);
  return frame;
}

export function decodeSnapshotFrame(frame: Uint8Array): { eventId: string; jpeg: Buffer } {
  const buffer = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buffer.readUInt8(0) !== BINARY_KIND_SNAPSHOT)
    throw new RangeError(`Expected a snapshot frame (kind 1) but received kind ${buffer.readUInt8(0)}`);
  const length = buffer.readUInt16BE(1);
  return { eventId: buffer.toString('utf8', 3, 3 + length), jpeg: buffer.subarray(3 + length) };
}
