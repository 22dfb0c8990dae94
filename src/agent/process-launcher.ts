import type { Logger } from '../observability/logger.js';
import type { AgentRunRequest } from './agent-types.js';
import { LiveProcess } from './live-process.js';
import { PromptChannel } from './prompt-channel.js';
import { getSessionInfo, query, type SdkOptions } from './sdk.js';
import { hostOptions, preparePlace, type AgentHostConfig, type SpawnSpec } from './spawn-options.js';
import { StderrTail } from './stderr-tail.js';
import { taskPermissionSettings, ToolGate } from './tool-gate.js';
import type { Spare } from './warm-pool.js';

/**
 * Turns a spare, or nothing, into a session's live process with one task's settings in force
 * before its prompt is read: the claim carries mode, model and permission rules; a cold start
 * gets them as start-up options.
 */
export class ProcessLauncher {
  constructor(
    private readonly host: AgentHostConfig,
    private readonly logger: Logger,
    /** A process was let go; it holds its slot until `exited` settles. */
    private readonly onLetGo: (exited: Promise<void>) => void,
  ) {}

  /** Binds a spare to the task's session with the task's settings; null (and the spare let go) if it refuses. */
  async claim(spare: Spare, request: AgentRunRequest): Promise<LiveProcess | null> {
    const channel = new PromptChannel();
    // Observed below; this keeps a rejection after a synchronous claim() failure from going unhandled.
    spare.spare.claimed.catch(() => undefined);
    const claimOptions: Parameters<typeof spare.spare.claim>[0]['options'] = {
      cwd: request.cwd,
      permissionMode: request.permissionMode,
      // Holds the claim until the rules are in force: the task never runs under the spare's.
      settings: taskPermissionSettings(request.allowedTools),
    };
    if (request.model !== undefined) claimOptions.model = request.model;
    let q: ReturnType<typeof spare.spare.claim>;
    try {
      q = spare.spare.claim({ prompt: channel, options: claimOptions });
      await spare.spare.claimed;
    } catch (error) {
      // option_not_applied included: a session without the model it asked for is not the task's.
      this.logger.warn('Spare agent process refused the claim; starting cold', { error });
      channel.close();
      spare.spare.close();
      this.onLetGo(spare.exited);
      return null;
    }
    return new LiveProcess({
      query: q,
      channel,
      key: spare.key,
      abortController: spare.abortController,
      stderr: spare.stderr,
      pid: spare.pid,
      exited: spare.exited,
      toolGate: spare.toolGate,
      credential: spare.credential,
      permissionMode: request.permissionMode,
      model: request.model,
      allowedTools: request.allowedTools,
      limits: spare.limits,
    });
  }

  /**
   * Whether the session's conversation can be resumed. A process killed during its session's
   * first turn may die before the CLI stored any of it; resuming it would fail ("No conversation
   * found"), so the session starts a new conversation instead. A store that cannot be read says
   * yes: the resume then reports the store's own error.
   */
  private async conversationStored(sdkSessionId: string, cwd: string): Promise<boolean> {
    try {
      if (await getSessionInfo(sdkSessionId, { dir: cwd, sessionStore: this.host.transcripts })) return true;
    } catch {
      return true;
    }
    this.logger.warn('No stored conversation to resume; the session starts a new one', { sdk_session_id: sdkSessionId });
    return false;
  }

  /** A fresh process for the task, resuming its session's conversation if it has one. */
  async coldStart(request: AgentRunRequest, spec: SpawnSpec, key: string): Promise<LiveProcess> {
    const abortController = new AbortController();
    const stderr = new StderrTail();
    const toolGate = new ToolGate();
    let pid: number | null = null;
    let resolveExited!: () => void;
    const exited = new Promise<void>((resolve) => (resolveExited = resolve));
    const channel = new PromptChannel();
    const credential = this.host.credentials.mint();
    let place;
    try {
      place = await preparePlace(this.host, spec, credential);
    } catch (error) {
      credential.revoke();
      throw error;
    }
    const options: SdkOptions = {
      ...hostOptions(
        this.host,
        request.permissionMode,
        { abortController, stderr, toolGate, credential, onSpawn: (p) => (pid = p), onExit: resolveExited },
        place,
      ),
      cwd: request.cwd,
      settings: taskPermissionSettings(request.allowedTools),
    };
    if (request.model !== undefined) options.model = request.model;
    if (spec.outputSchema) options.outputFormat = { type: 'json_schema', schema: spec.outputSchema };
    if (request.resumeSdkSessionId !== null && (await this.conversationStored(request.resumeSdkSessionId, request.cwd)))
      options.resume = request.resumeSdkSessionId;
    const q = query({ prompt: channel, options });
    return new LiveProcess({
      query: q,
      channel,
      key,
      abortController,
      stderr,
      pid: () => pid,
      exited,
      toolGate,
      credential,
      permissionMode: request.permissionMode,
      model: request.model,
      allowedTools: request.allowedTools,
      limits: place.home.limits,
    });
  }
}
