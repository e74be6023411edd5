/**
 * Live video over HLS (fMP4 segments), the fallback for players without Media Source Extensions (the
 * WebSocket route /api/v1/cameras/{id}/live.mp4 is the low-latency way): POST with the token opens a
 * session and answers its playlist URL; the playlist, init segment and segments are then fetched under
 * the session's random id, which stands in for the token (src/live/hls-sessions.ts).
 */
import { z } from 'zod';
import { RequestError } from '../../errors.ts';
import { defineRoute, json, type Route } from './route.ts';

const tag = 'live';

/** How long a session's first playlist request waits for its first segments (a key frame interval each, after ffmpeg connects). */
const FIRST_SEGMENT_WAIT_MS = 20_000;

const hlsSessionSchema = z.object({
  playlist: z.string().describe('The media playlist, relative to the server: /api/v1/live/hls/{session}/index.m3u8.'),
  codec: z.string().nullable().describe('RFC 6381 codec string once the stream has started, else null.'),
});

function notServed(): RequestError {
  return new RequestError('E_NOT_FOUND', 'Live video is not served by this gateway');
}

function expired(): RequestError {
  return new RequestError(
    'E_NOT_FOUND',
    'No such HLS session (unknown, or closed after it was not fetched for a while): POST /api/v1/cameras/{id}/live/hls for a new one',
  );
}

export const liveRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/api/v1/cameras/{id}/live/hls',
    operationId: 'openHlsSession',
    summary:
      "Open an HLS session on the camera's live restream; fetch its playlist within http.live.hlsIdleMs and keep fetching it, or it closes.",
    tag,
    access: 'token',
    responses: { 201: { description: 'The session.', schema: hlsSessionSchema } },
    errors: [404, 409, 503],
    handle: ({ hls, params }) => {
      if (hls === undefined) throw notServed();
      const session = hls.open(params['id'] as string);
      const url = `/api/v1/live/hls/${session}/index.m3u8`;
      return json(201, { playlist: url, codec: hls.use(session)?.codec ?? null }, { location: url });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/live/hls/{session}/{file}',
    operationId: 'getHlsFile',
    summary: "A session's playlist (index.m3u8), init segment (init.mp4) or media segment (seg-N.m4s). The session id is the credential.",
    tag,
    access: 'public',
    responses: {
      200: { description: 'The playlist (application/vnd.apple.mpegurl) or an fMP4 segment (video/mp4).', contentType: 'video/mp4' },
    },
    errors: [404, 503],
    handle: async ({ hls, params }) => {
      if (hls === undefined) throw notServed();
      const session = params['session'] as string;
      const file = params['file'] as string;
      if (file === 'index.m3u8') {
        const text = await hls.playlist(session, FIRST_SEGMENT_WAIT_MS);
        if (text === undefined) throw expired();
        if (text === null)
          throw new RequestError('E_BUSY', 'The camera has not sent a whole key frame interval yet; retry in a few seconds');
        return { status: 200, contentType: 'application/vnd.apple.mpegurl', body: text, headers: { 'cache-control': 'no-cache' } };
      }
      const segments = hls.use(session);
      if (segments === undefined) throw expired();
      if (file === 'init.mp4' && segments.init !== null) return { status: 200, contentType: 'video/mp4', body: segments.init };
      const sequence = /^seg-(\d{1,15})\.m4s$/.exec(file)?.[1];
      const segment = sequence === undefined ? undefined : segments.segment(Number(sequence));
      if (segment !== undefined) return { status: 200, contentType: 'video/mp4', body: segment.data };
      throw new RequestError(
        'E_NOT_FOUND',
        `No ${file} in this session: the playlist lists the segments it holds (older ones are dropped)`,
      );
    },
  }),
];
