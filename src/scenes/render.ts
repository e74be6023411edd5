/**
 * Renders a SceneSpec to an H.264 MP4 with ffmpeg: a still background, each person's sprite cut from
 * its photo, matted and moved by overlay x/y expressions of t (the same paths scene.ts evaluates for
 * the truth), then the camera's events (cut, lighting, noise). Deterministic: the background is
 * rendered once to a PNG (static texture), and noise has a fixed seed. Clips are cached by a hash of
 * everything that shapes them, so a second run reuses the file.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { frameCount, spriteOrigin, type Actor, type Background, type SceneSpec, type Waypoint } from './scene.ts';
import { openCvMedia } from './opencv-media.ts';
import { photoDir, SPRITES, writeSprite } from './sprites.ts';

const run = promisify(execFile);

/** Bump when the rendering changes in a way the hash of the arguments does not show. */
const RENDER_VERSION = 2;

/**
 * Backgrounds: the ceiling of the hall in samples.jpg (above everyone's heads, so nobody is in it),
 * softened, over a synthetic floor. 'street' is the same photo mirrored and tinted over asphalt with a
 * kerb line: a second view for scene cuts. 'road' is real footage, OpenCV's vtest.avi (a campus road
 * filmed from above): every 10th of its 795 frames, and of those the per-pixel median of the first 79
 * (ffmpeg tmedian, which emits a frame once its window is full), which leaves the tarmac and drops the
 * people walking over it; cropped to the road and the kerb below the car park, so the parked van and car
 * at the top are outside the frame (a detector's full-frame pass would find them on every run). The
 * camera tripod on the kerb is painted out (delogo): NanoDet-m took its head for a person (a false event
 * in two of two runs, whenever the bus's or the walker's region took it in), where a site would mask it.
 */
function backgroundSource(kind: Background, width: number, height: number): { input: string; graph: string } {
  if (kind === 'road') {
    return {
      input: openCvMedia('vtest.avi'),
      graph: `[0:v]select='not(mod(n\\,10))',setpts=N/10/TB,tmedian=radius=39,crop=640:360:0:130,delogo=x=453:y=203:w=78:h=154,scale=${width}:${height}:flags=bicubic,format=yuv420p`,
    };
  }
  const input = path.join(photoDir(), 'samples.jpg');
  const top = 2 * Math.round((height * 0.41) / 2);
  const floor = height - top;
  if (kind === 'hall') {
    return {
      input,
      graph:
        `[0:v]crop=840:194:440:196,scale=${width}:${top},gblur=sigma=1.5[top];` +
        `color=c=0x8c7b68:s=${width}x${floor},format=yuv420p,noise=alls=18:all_seed=3,gblur=sigma=1,` +
        `drawgrid=w=${Math.round(width / 10)}:h=${Math.round(floor / 4)}:t=2:c=0x6a5c4c[floor];[top][floor]vstack,format=yuv420p`,
    };
  }
  return {
    input,
    graph:
      `[0:v]crop=640:150:640:196,hflip,hue=h=40:s=0.6,scale=${width}:${top},gblur=sigma=2[top];` +
      `color=c=0x58585c:s=${width}x${floor},format=yuv420p,noise=alls=14:all_seed=5,gblur=sigma=1.2,` +
      `drawbox=x=0:y=${Math.round(floor * 0.2)}:w=${width}:h=6:c=0xb0b0a8:t=fill[floor];[top][floor]vstack,format=yuv420p`,
  };
}

/** A piecewise-linear function of t as nested ffmpeg if()s. */
function pathExpr(path: readonly Waypoint[], pick: (w: Waypoint) => number): string {
  const pieces = path.slice(1).map((b, i) => {
    const a = path[i] as Waypoint;
    const va = pick(a),
      vb = pick(b);
    const value = b.t === a.t || va === vb ? `${vb}` : `${va}+(${vb - va})*(t-${a.t})/${b.t - a.t}`;
    return { until: b.t, value };
  });
  return pieces.reduceRight((rest, p) => (rest === '' ? p.value : `if(lte(t,${p.until}),${p.value},${rest})`), '');
}

/** Overlay x/y of the actor: spriteOrigin written as expressions (floor as overlay places whole pixels). */
function overlayXY(actor: Actor): { x: string; y: string } {
  const origin = spriteOrigin(actor, { x: 0, y: 0 });
  return {
    x: `floor(${pathExpr(actor.path, (w) => w.x)}+${origin.x})`,
    y: `floor(${pathExpr(actor.path, (w) => w.y)}+${origin.y})`,
  };
}

/**
 * ffmpeg arguments rendering `spec` to `out` from prepared stills: the background PNG(s), then one RGBA
 * sprite PNG an actor. Each still is decoded once and repeated in memory (`loop`), its timestamps set
 * to the scene's frame times so overlay's `t` is n / fps.
 */
export function sceneArgs(spec: SceneSpec, backgrounds: readonly string[], sprites: readonly string[], out: string): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  for (const f of [...backgrounds, ...sprites]) args.push('-i', f);
  const still = (input: number, label: string): string => `[${input}:v]loop=loop=-1:size=1:start=0,setpts=N/${spec.fps}/TB[${label}]`;
  const graph: string[] = [still(0, 'bg0')];
  let last = 'bg0';
  if (spec.cutTo) {
    graph.push(still(1, 'bg1'), `[bg0][bg1]overlay=enable='gte(t,${spec.cutTo.t})'[bg]`);
    last = 'bg';
  }
  spec.actors.forEach((actor, i) => {
    graph.push(still(backgrounds.length + i, `s${i}`));
    const first = actor.path[0] as Waypoint,
      end = actor.path.at(-1) as Waypoint;
    const { x, y } = overlayXY(actor);
    graph.push(`[${last}][s${i}]overlay=x='${x}':y='${y}':eval=frame:enable='between(t,${first.t},${end.t})'[o${i}]`);
    last = `o${i}`;
  });
  const effects = [
    spec.lighting ? `eq=brightness='if(gte(t,${spec.lighting.t}),${spec.lighting.brightness},0)':eval=frame` : '',
    spec.noise ? `noise=alls=${spec.noise}:allf=t+u:all_seed=11` : '',
    'format=yuv420p',
  ].filter((e) => e !== '');
  graph.push(`[${last}]${effects.join(',')}[out]`);
  args.push(
    '-filter_complex',
    graph.join(';'),
    '-map',
    '[out]',
    '-frames:v',
    String(frameCount(spec)),
    '-r',
    String(spec.fps),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '20',
    // A camera's encoder caps its bitrate: uncapped, the heavy-noise scene came out at 28 Mbit/s, which
    // one decoder thread could not play in real time beside other jobs (the clip ran at a third of
    // its speed and no longer matched its truth). 6 Mbit/s is a generous 720p camera stream.
    '-maxrate',
    '6M',
    '-bufsize',
    '12M',
    '-g',
    String(spec.fps * 2),
    '-bf',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    out,
  );
  return args;
}

async function renderBackground(ffmpeg: string, kind: Background, spec: SceneSpec, file: string): Promise<void> {
  const { input, graph } = backgroundSource(kind, spec.width, spec.height);
  await run(ffmpeg, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-i',
    input,
    '-filter_complex',
    graph,
    '-frames:v',
    '1',
    file,
  ]);
}

/**
 * The clip of `spec` in `dir` (`<name>.mp4`), rendered unless a clip of the same description is
 * already there. Returns its path.
 */
export async function renderScene(spec: SceneSpec, dir: string, ffmpeg: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const out = path.join(dir, `${spec.name}.mp4`);
  const keyFile = path.join(dir, `${spec.name}.key`);
  const key = createHash('sha256')
    .update(JSON.stringify({ RENDER_VERSION, spec, sprites: spec.actors.map((a) => SPRITES[a.sprite]) }))
    .digest('hex');
  if (existsSync(out) && existsSync(keyFile) && (await readFile(keyFile, 'utf8')) === key) return out;
  const tag = key.slice(0, 12);
  const backgrounds = [spec.background, ...(spec.cutTo ? [spec.cutTo.background] : [])].map((kind) => ({
    kind,
    file: path.join(dir, `.bg-${kind}-${spec.width}x${spec.height}-${tag}.png`),
  }));
  const sprites = spec.actors.map((_actor, i) => path.join(dir, `.sprite-${tag}-${i}.png`));
  await Promise.all([
    ...backgrounds.map((b) => renderBackground(ffmpeg, b.kind, spec, b.file)),
    ...spec.actors.map((a, i) => writeSprite(SPRITES[a.sprite], a.scale, a.flip ?? false, sprites[i] as string)),
  ]);
  const partial = `${out}.${process.pid}.partial.mp4`;
  await run(
    ffmpeg,
    sceneArgs(
      spec,
      backgrounds.map((b) => b.file),
      sprites,
      partial,
    ),
    { maxBuffer: 1 << 20 },
  );
  await Promise.all([...backgrounds.map((b) => rm(b.file, { force: true })), ...sprites.map((f) => rm(f, { force: true }))]);
  await rename(partial, out);
  await writeFile(keyFile, key);
  return out;
}
