import { randomInt } from 'node:crypto';
import { decode, encode, RECURSION_DESIRED } from 'dns-packet';
import { CopperError } from '../../../shared/contract';
import { canonical, DecodedResponse, parseAnswers, type FoundRecord, type QueryType } from './dns-answers';
import { tcpExchange, udpExchange } from './dns-transport';
import type { ResolverEndpoint } from './resolver-address';

export type { FoundRecord, QueryType } from './dns-answers';

export interface Lookup {
  name: string;
  type: QueryType;
  /** NXDOMAIN is an answer too: the name does not exist, so the record is missing. */
  rcode: 'NOERROR' | 'NXDOMAIN';
  records: FoundRecord[];
  transport: 'udp' | 'tcp';
}

export interface ResolverClientOptions {
  /** How long to wait for one answer. */
  timeoutMs: number;
  /** UDP tries before giving up on a silent resolver (a lost datagram is normal; a second one rarely is). */
  udpAttempts: number;
}

const DEFAULTS: ResolverClientOptions = { timeoutMs: 2_000, udpAttempts: 2 };
/** The EDNS payload size DNS Flag Day 2020 settled on: large enough for most DKIM keys, small enough not to fragment. */
const EDNS_UDP_SIZE = 1232;

/**
 * Asks one resolver — the site's own — and nothing else: no system resolver, no fallback to a public one. UDP first;
 * a truncated answer is asked again over TCP. Every failure is a CopperError that names the resolver and the question.
 */
export class ResolverClient {
  private readonly options: ResolverClientOptions;

  constructor(
    readonly endpoint: ResolverEndpoint,
    options: Partial<ResolverClientOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async lookup(name: string, type: QueryType, signal?: AbortSignal): Promise<Lookup> {
    if (name.length > 253 || name.split('.').some((label) => label.length === 0 || label.length > 63)) {
      throw new CopperError('INVALID_INPUT', `${name} cannot be asked for: a DNS name has labels of 1–63 characters and at most 253 characters in all.`, { name });
    }
    const id = randomInt(0, 65_536);
    const query = encode({
      type: 'query',
      id,
      flags: RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
    const question = { name, type, resolver: this.endpoint.text };
    let packet = this.decode(await this.overUdp(query, id, question, signal), question);
    let transport: Lookup['transport'] = 'udp';
    if (packet.flag_tc) {
      // The answer did not fit in a datagram (long DKIM keys, many TXT records): the whole answer comes over TCP.
      packet = this.decode(await tcpExchange(this.endpoint, query, id, this.options.timeoutMs, question, signal), question);
      transport = 'tcp';
    }
    const rcode = this.rcodeOf(packet, question);
    let records: FoundRecord[];
    try {
      records = parseAnswers(packet.answers, name, type);
    } catch (error) {
      throw badResponse(question, (error as Error).message);
    }
    return { name, type, rcode, records, transport };
  }

  private async overUdp(query: Buffer, id: number, question: Question, signal?: AbortSignal): Promise<Buffer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await udpExchange(this.endpoint, query, id, this.options.timeoutMs, question, signal);
      } catch (error) {
        if (!(error instanceof CopperError) || error.code !== 'DNS_TIMEOUT' || attempt >= this.options.udpAttempts) throw error;
      }
    }
  }

  private decode(response: Buffer, question: Question): DecodedResponse {
    let raw: unknown;
    try {
      raw = decode(response);
    } catch (error) {
      throw badResponse(question, `it could not be decoded (${(error as Error).message})`);
    }
    const parsed = DecodedResponse.safeParse(raw);
    if (!parsed.success) throw badResponse(question, parsed.error.issues[0]?.message ?? 'it is not a DNS response');
    const echoed = parsed.data.questions[0];
    if (echoed && (canonical(echoed.name) !== canonical(question.name) || echoed.type !== question.type)) {
      throw badResponse(question, `it answers a different question (${echoed.name} ${echoed.type})`);
    }
    return parsed.data;
  }

  private rcodeOf(packet: DecodedResponse, question: Question): Lookup['rcode'] {
    const rcode = packet.rcode;
    if (rcode === 'NOERROR' || rcode === 'NXDOMAIN') return rcode;
    const asked = `${question.name} ${question.type}`;
    if (rcode === 'SERVFAIL') {
      throw new CopperError(
        'DNS_SERVFAIL',
        `The resolver ${question.resolver} could not answer for ${asked} (SERVFAIL): it got no usable answer from the domain’s name servers, or DNSSEC validation failed. Ask the DNS team to check the zone.`,
        { ...question, rcode },
      );
    }
    if (rcode === 'REFUSED') {
      throw new CopperError(
        'DNS_REFUSED',
        `The resolver ${question.resolver} refused to answer for ${asked} (REFUSED): it does not serve this name to this workstation. Ask the DNS team to allow queries from here, or set the site’s resolver to one that does (copper site edit SITE --resolver IP[:PORT]).`,
        { ...question, rcode },
      );
    }
    throw badResponse(question, `it answered with the error ${rcode}`);
  }
}

export interface Question {
  name: string;
  type: QueryType;
  resolver: string;
}

export function badResponse(question: Question, why: string): CopperError {
  return new CopperError(
    'DNS_BAD_RESPONSE',
    `The resolver ${question.resolver} sent an unusable answer for ${question.name} ${question.type}: ${why}. Check that the site’s resolver address points at a DNS server.`,
    question,
  );
}
