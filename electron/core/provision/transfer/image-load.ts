import type Dockerode from 'dockerode';
import { z } from 'zod';
import { CopperError } from '../../../../shared/contract';
import { toDockerError } from '../../docker/docker-errors';
import { raceAbort } from '../../docker/docker-streams';
import type { SftpSession } from './sftp-session';

/** One line of the engine's /images/load answer (JSON lines): a progress or result line, or an error. */
const LoadLine = z.object({
  stream: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).partial().optional(),
});

/** What the answer may hold: the engine's words are kept for messages, bounded. */
const MAX_ANSWER = 64 * 1024;

/**
 * Loads one staged image tar through the Docker Engine API. The engine's /images/load takes the tar as the request
 * body from the client, so the verified file is read back over SFTP and streamed into the request, both over the
 * same pooled SSH connection (the engine's socket through a stream-local forward). The bytes cross the link twice,
 * but streamed with bounded memory, with no docker CLI needed on the server, and the engine loads exactly the bytes
 * that were verified there (not a second copy from the workstation).
 */
export async function loadStagedImage(
  docker: Dockerode,
  session: SftpSession,
  remotePath: string,
  site: { host: string; file: string },
  signal: AbortSignal,
): Promise<string[]> {
  const source = session.sftp.createReadStream(remotePath, { highWaterMark: 256 * 1024 });
  let answer: NodeJS.ReadableStream;
  try {
    answer = await docker.loadImage(source, { quiet: true, abortSignal: signal });
  } catch (error) {
    source.destroy();
    if (signal.aborted) throw cancelled(site);
    throw toDockerError(error, { host: site.host });
  }
  const text = await readAnswer(answer, signal).catch((error: unknown) => {
    source.destroy();
    throw signal.aborted ? cancelled(site) : toDockerError(error, { host: site.host });
  });
  const loaded: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue; // A cut-off last line (answer bounded): the inspect that follows is what confirms the load.
    }
    const parsed = LoadLine.safeParse(json);
    if (!parsed.success) continue;
    const problem = parsed.data.error ?? parsed.data.errorDetail?.message;
    if (problem) {
      throw new CopperError('COMMAND_FAILED', `The Docker engine on ${site.host} refused to load ${site.file}: ${problem.trim()}.`, { host: site.host, file: site.file });
    }
    const stream = parsed.data.stream?.trim();
    if (stream) loaded.push(stream);
  }
  return loaded;
}

function readAnswer(stream: NodeJS.ReadableStream, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      if (text.length < MAX_ANSWER) text += chunk.toString('utf8');
    });
    stream.on('error', (error: Error) => reject(error));
    stream.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(text);
    });
  });
}

function cancelled(site: { host: string; file: string }): CopperError {
  return new CopperError(
    'CANCELLED',
    `Loading ${site.file} on ${site.host} was cancelled. The engine may have loaded it anyway; the next push checks the images again.`,
    { host: site.host, file: site.file },
  );
}

/** The ID the engine has for a tag or ID, or null when it has no such image. */
export async function imageIdOf(docker: Dockerode, reference: string, signal: AbortSignal): Promise<string | null> {
  try {
    // The image inspect of dockerode takes no signal: raced, so a stuck answer cannot outlive a cancel.
    const info = await raceAbort(docker.getImage(reference).inspect(), signal);
    return info.Id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}
