import { Agent, type AgentOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { CopperError } from '../../../shared/contract';
import type { SshPool } from '../ssh/ssh-pool';

/**
 * HTTP to the Docker Engine API through the host's pooled SSH connection: each request opens a stream-local forward
 * to the engine's unix socket on the server (like `ssh -L /local.sock:/var/run/docker.sock`). No TCP port is ever
 * opened on the server, and no docker CLI is needed there.
 */
class SshSocketAgent extends Agent {
  constructor(
    private readonly openStream: () => Promise<Duplex>,
    options?: AgentOptions,
  ) {
    super({ keepAlive: false, ...options });
  }

  override createConnection(_options: unknown, callback?: (error: Error | null, stream: Duplex) => void): Duplex | undefined {
    this.openStream().then(
      (stream) => callback?.(null, stream),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

export async function dockerOverSsh(pool: SshPool, hostName: string): Promise<Dockerode> {
  // Loaded on first use: dockerode and its dependencies take a noticeable part of every CLI start otherwise.
  const { default: DockerodeClass } = await import('dockerode');
  return pool.connection(hostName).then((connection) => {
    const socketPath = connection.host.dockerSocket;
    const agent = new SshSocketAgent(
      () =>
        pool.connection(hostName).then(
          (live) =>
            new Promise<Duplex>((resolve, reject) =>
              live.client.openssh_forwardOutStreamLocal(socketPath, (error, stream) =>
                error
                  ? reject(
                      new CopperError(
                        'DOCKER_UNAVAILABLE',
                        `The Docker socket ${socketPath} on ${hostName} cannot be reached through SSH (${error.message}). Check that dockerd runs, that ${connection.host.ssh.user} may use the socket (docker group), and that sshd allows stream-local forwarding.`,
                      ),
                    )
                  : resolve(stream),
              ),
            ),
        ),
    );
    return new DockerodeClass({ protocol: 'http', host: 'docker.invalid', port: 80, agent } as Dockerode.DockerOptions);
  });
}
