// Types of the wearfm browser API (src/wearfm.js), hand-written.
// Typed arrays passed to a method are TRANSFERRED to the worker (postMessage
// transfer list): they are detached afterwards. Pass a copy (`x.slice()`) to
// keep one. Results arrive as fresh typed arrays, transferred back.

/** A window: T*C floats, minute-major (x[t*C + c]), original units, NaN = missing. */
export type Window = Float32Array;

export interface Features {
  wasm: boolean;
  /** WebAssembly SIMD; required (the core is built with -msimd128). */
  simd: boolean;
  crossOriginIsolated: boolean;
  /** SharedArrayBuffer usable (cross-origin isolated); a pthreads build would need it. */
  sharedMemory: boolean;
  /** Threads the core uses: 1, or up to 4 with the pthreads build. */
  threads: number;
  /** The build the worker runs: 'pthreads' when cross-origin isolated, else 'single'. */
  build: 'pthreads' | 'single';
  bluetooth: boolean;
  motion: boolean;
  cacheStorage: boolean;
}

export interface ChannelInfo {
  name: string;
  unit: string;
  mean: number;
  std: number;
  clipMin: number;
  clipMax: number;
  /** What the values are (format_version 2); fills of a category are one of its levels. */
  kind: 'continuous' | 'count' | 'category';
  /** Category levels, increasing; [] otherwise. */
  levels: number[];
}

export interface ModelInfo {
  windowMinutes: number;
  patchMinutes: number;
  nChannels: number;
  nTokens: number;
  encDim: number; encLayers: number; encHeads: number; encMlpDim: number;
  decDim: number; decLayers: number; decHeads: number; decMlpDim: number;
  hasDecoder: boolean;
  threads: number;
  nParams: number;
  channels: ChannelInfo[];
  /** The model's config JSON, as stored in the safetensors file. */
  config: Record<string, unknown>;
  /** wearfm core version, "0.1.0". */
  version: string;
  /** Whether the core build exports linear-probe entry points. */
  probes: boolean;
  /** Whether load() read the model from Cache Storage. */
  fromCache: boolean;
  /** Model file size in bytes. */
  bytes: number;
  /** Hex SHA-256 of the model file (Web Crypto): its identity in exports. */
  sha256: string;
  /** The file name it was loaded from (the URL's last segment), or null for bytes. */
  file: string | null;
}

export interface LoadProgress {
  loaded: number;
  /** null when the server sent no Content-Length. */
  total: number | null;
  fromCache: boolean;
}

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  /** Keep the model file in Cache Storage (ask the person first). Default false. */
  cache?: boolean;
}

export interface RunResult {
  visibleTokens: number;
  /** [N]: 1 visible, 0 inherited-missing. */
  tokenVisible: Uint8Array;
  embedding?: Float32Array;
  reconstruction?: Float32Array;
  imputed?: Float32Array;
  /** [N * encDim]; NaN rows for masked tokens. */
  tokenEmbeddings?: Float32Array;
  /** [T*C]: for a filled minute of a category channel, the probability of the level it was given; NaN elsewhere. */
  fillProbability?: Float32Array;
  /** [T*C], after loadFillBands: the measured interval around each fill (low, high); NaN where there is none. */
  bandLow?: Float32Array;
  bandHigh?: Float32Array;
}

export interface ImputeResult extends RunResult {
  /** imputed (observed values kept), or reconstruction with raw: true. */
  values: Float32Array;
}

/**
 * What the core's data rules (src/data/channel_rules.c) dropped of one channel,
 * by reason, with the rule's plausible range (to say it in words).
 */
export interface Dropped {
  channel: string;
  unit: string;
  min: number;
  max: number;
  whole: boolean;
  below: number;
  above: number;
  notWhole: number;
  notFinite: number;
  /** Samples without a valid time (the aggregator). */
  badTime: number;
}

/** A minute table: local wall-clock minutes since 1970-01-01T00:00, NaN = missing. */
export interface MinuteTable {
  start: number;
  length: number;
  channels: string[];
  /** Row-major [length * channels.length]. */
  values: Float32Array;
  duplicates?: number;
  /** Values the data rules dropped while the core made the table (channels with none are left out). */
  dropped?: Dropped[];
}

/** A batch of samples for the core's minute aggregator, as columns (src/aggregator.js builds it). */
export interface SampleBatch {
  names: string[];
  /** Index into names, per sample. */
  channel: Int32Array;
  /** Local wall-clock ms since 1970-01-01T00:00. */
  t: Float64Array;
  value: Float64Array;
  segment: Int32Array;
  gaps: { open: boolean; t: number }[];
  /** Raw accelerometer samples by unit ("m/s^2", "mg", "1/64 g"): the core makes them `movement`. xyz: x, y, z per sample. */
  accel?: { unit: string; t: Float64Array; xyz: Float64Array; segment: Int32Array }[];
}

/** The accelerometer model loaded by loadAccelModel, and which of its probes loaded. */
export interface AccelInfo {
  rateHz: number;
  windowSeconds: number;
  embeddingDim: number;
  weightsHash: string;
  fromCache: boolean;
  probes: Record<'hr' | 'activity', { ok: true; kind: string; classes: string[] } | { ok: false; problem: string }>;
}

/** The core's estimate of a source's latest full window (NaN / null where a probe is not loaded). */
export type AccelEstimate =
  | { enough: false; seconds: number; windowSeconds: number; why?: string }
  | {
      enough: true; seconds: number; windowSeconds: number;
      /** Unix seconds (UTC) of the window's first sample. */
      start: number;
      hr_bpm: number;
      /** The heart-rate probe's error band for this window (its motion_g), NaN without bands. */
      expected_mae_bpm: number;
      motion_g: number;
      observed: number;
      activity: string | null;
      p: number;
      embedding: Float32Array;
    };

export interface AggregateResult {
  table: MinuteTable;
  /** Samples the rules kept and dropped so far, and why (per sample channel). */
  kept: number;
  rejected: number;
  dropped: Dropped[];
}

/** For long calls: progress, and a signal that stops the call (Wearfm.cancel). */
export interface CallControl {
  /** Aborting it rejects the call with WearfmCancelled and ends the worker's work at once. */
  signal?: AbortSignal;
}

export interface DayProgress {
  /** Days of the table done (skipped empty days included), of total. */
  done: number;
  total: number;
}

export interface AnalyzeOptions extends CallControl {
  embedding?: boolean;       // default true
  imputed?: boolean;         // default true
  reconstruction?: boolean;  // default false
  tokens?: boolean;          // default false
  /** Called after each day the table spans. */
  onProgress?: (p: DayProgress) => void;
  /** The first minute not to fill (a live view's "now" + 1): later minutes are not marked filled. */
  fillUntil?: number;
  /** Slot features per window (the core's wfm_slot_features): the model sees only `inputs`. */
  slots?: { name: string; inputs: string[] }[];
}

/** One slot (patch) per row: features [T/P * encDim] with NaN rows where has[p] is 0. */
export interface SlotFeatures {
  features: Float32Array;
  has: Uint8Array;
}

/** A run of slots of one class (wfm_slot_periods): slots [first, end). */
export interface SlotPeriod {
  first: number;
  end: number;
  meanProbability: number;
  known: number;
}

export interface WindowResult extends RunResult {
  /** Window start, minutes (multiple of windowMinutes), and as "YYYY-MM-DDTHH:MM". */
  start: number;
  startText: string;
  totalTokens: number;
  /** [T*C]: 1 where the input was missing (filled by the model). */
  filled: Uint8Array;
  /** By the name given in AnalyzeOptions.slots. */
  slots: Record<string, SlotFeatures>;
}

export interface Analysis {
  /** Model channel order of the window arrays. */
  channels: string[];
  windowMinutes: number;
  patchMinutes: number;
  /** Every window with an observed value, as `wearfm impute/embed` outputs them. */
  windows: WindowResult[];
}

export interface FitabaseCounts {
  files: number;
  rows: number;
  values: Record<string, number>;
  dropped: Record<string, number>;
  duplicates: Record<string, number>;
  conflicts: Record<string, number>;
}

export interface FitabaseImport {
  files: { name: string; kind: string }[];
  counts: FitabaseCounts;
  users: { id: string; nonwearMinutes: number; table: MinuteTable }[];
}

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** Linear probes (docs/probes.md); a probe travels as the bytes of its safetensors file. */
export interface ProbeFitArgs extends CallControl {
  /** n x d rows, row-major, finite. Transferred. */
  X: Float32Array;
  n: number;
  d: number;
  /** Classification: class indices 0..K-1. Transferred. */
  labels?: Int32Array;
  /** Regression targets. Transferred. */
  targets?: Float32Array;
  /** Groups for the inner cross-validation of cvLambda (rows of one group never on both sides). Transferred. */
  groups?: Int32Array;
  /** Default: 'logistic' with labels, 'ridge' with targets. */
  task?: 'logistic' | 'ridge' | 'linear';
  lambda?: number;
  balanced?: boolean;
  maxIter?: number;
  tol?: number;
  cvLambda?: boolean;
  lambdas?: number[];
  innerFolds?: number;
  /** -1 auto, or a metric index (accuracy 0, balanced accuracy 1, macro F1 2, AUROC 3, log loss 4, ...). */
  cvMetric?: number;
  seed?: number;
  nClasses?: number;
  classNames?: string[];
  featureNames?: string[];
  /** Bind the probe to the loaded model's weights (predicting with another model is then refused). */
  bind?: boolean;
}

export interface ProbeInfo {
  task: 'logistic' | 'ridge' | 'linear';
  nFeatures: number;
  nClasses: number;
  nOutputs: number;
  iterations: number;
  converged: boolean;
  balanced: boolean;
  nTrain: number;
  lambda: number;
  /** The bound encoder's weights hash ("fnv1a64w:..."), or null. */
  encoderHash: string | null;
  classes: string[];
}

export interface ProbePredictArgs {
  probe: Bytes;
  X: Float32Array;
  n: number;
  d: number;
  /** Refuse a probe bound to another encoder than the loaded model. Default true. */
  check?: boolean;
}

export interface ProbePrediction {
  /** n x nOutputs: class probabilities, or values. */
  outputs: Float32Array;
  /** Most probable class per row (classification only). */
  classes?: Int32Array;
  info: ProbeInfo;
}

export class WearfmError extends Error {}
/** The rejection of a call stopped through its signal. */
export class WearfmCancelled extends WearfmError { readonly cancelled: true; }
/** A call on an aggregator whose worker cancel() replaced (the aggregator went with it). */
export class WearfmRestarted extends WearfmError { readonly restarted: true; }

export const SIMD_MESSAGE: string;
export function detectFeatures(g?: typeof globalThis): Features;

/** Starts the worker. Rejects with SIMD_MESSAGE when WebAssembly SIMD is missing. */
export function createWearfm(options?: { workerUrl?: string | URL }): Promise<Wearfm>;

export class Wearfm {
  readonly features: Features;
  readonly version: string;
  info: ModelInfo | null;
  /** A same-origin URL (fetched with progress, cached only if options.cache) or the model bytes. */
  load(urlOrBytes: string | URL | Bytes, options?: LoadOptions): Promise<ModelInfo>;
  /** The loaded model's fill bands (.fill-bands.json bytes), checked against it; imputes then carry bandLow/bandHigh. */
  loadFillBands(bytes: Bytes): Promise<{ coverage: number }>;
  embed(x: Window, options?: { tokens?: boolean }): Promise<RunResult & { embedding: Float32Array }>;
  impute(x: Window, options?: { raw?: boolean }): Promise<ImputeResult>;
  /** Every window of a table with observed data, exactly as the CLI; table.values is transferred. */
  analyzeTable(table: MinuteTable, options?: AnalyzeOptions): Promise<Analysis>;
  /** The generic minute CSV (timestamp,<channel>,...), parsed by the C importer. */
  readMinutesCsv(bytes: Bytes | string): Promise<MinuteTable>;
  /** A table checked by the core's data rules, as a file would be; table.values is transferred. */
  checkTable(table: MinuteTable): Promise<MinuteTable>;
  /**
   * The core's minute aggregator (used through src/aggregator.js): an id, then batches in, the table out.
   * It lives in the worker: after cancel() its calls reject with WearfmRestarted (src/aggregator.js
   * then makes a new one and gives it every sample again); freeing it is a no-op.
   */
  aggregatorCreate(): Promise<number>;
  aggregate(id: number, batch: Partial<SampleBatch>, view?: { start?: number; length?: number; channels?: string[] }): Promise<AggregateResult>;
  aggregatorFree(id: number): Promise<boolean>;
  /** "minuteStepsWide", "heartrate_seconds", ... from a CSV header, or null. Not transferred. */
  fitabaseKind(bytes: Bytes): Promise<string | null>;
  /** An export people have (Fitbit account export, Apple Health export.xml, Garmin FIT) -> one minute table, by the core's importers. */
  importExport(kind: 'takeout' | 'apple-health' | 'fit', files: ({ name: string; bytes: Bytes } | { name: string; blob: Blob })[],
    options?: { utcOffsetMinutes?: number; fixedOffset?: boolean; from?: number; to?: number; timeZone?: "local" } & CallControl): Promise<ExportImport>;
  importFitabase(files: { name: string; bytes: Bytes }[], options?: { nonwear?: 'auto' | 'off' | 'movement-only' } & CallControl): Promise<FitabaseImport>;
  /** Fits a linear probe on rows (e.g. day embeddings). Rejects with "not available in this build" without probe exports. */
  probeFit(args: ProbeFitArgs): Promise<{ probe: Uint8Array; info: ProbeInfo }>;
  /** Predicts rows with a probe file's bytes (copied; X is transferred). */
  probePredict(args: ProbePredictArgs): Promise<ProbePrediction>;
  probeInfo(probe: Bytes): Promise<ProbeInfo>;
  /** Periods of a class along slots (prob: NaN = no prediction; transferred); options in slots. */
  slotPeriods(prob: Float32Array, options?: { threshold?: number; maxGap?: number; minSlots?: number }): Promise<SlotPeriod[]>;
  /** The sum of the known probabilities (an expected count of slots) and how many were known. */
  slotExpected(prob: Float32Array): Promise<{ expected: number; known: number }>;
  /** Heart rate from motion: the accelerometer model and its probes ({hr, activity}: URLs of this origin); reloaded after cancel(). */
  loadAccelModel(url: string, options?: { probes?: { hr?: string; activity?: string }; cache?: boolean; onProgress?: (p: { loaded: number; total: number | null; fromCache: boolean }) => void }): Promise<AccelInfo>;
  /** Raw samples of one source (t: epoch ms; xyz: x, y, z per sample, in unit) into its live buffer (the last 2 minutes); transferred. */
  pushAccel(samples: { source: string; unit: string; t: Float64Array; xyz: Float64Array }): Promise<{ seconds: number; outOfOrder: number }>;
  estimateAccel(source: string): Promise<AccelEstimate>;
  dropAccel(source: string): Promise<boolean>;
  /** Deletes the cached model files. */
  clearCache(): Promise<boolean>;
  /**
   * Stops whatever the worker computes: it is ended (with its threads) and a
   * new one loads the same model again. Pending calls reject with
   * WearfmCancelled; later calls wait for the new worker. Resolves when ready.
   */
  cancel(): Promise<void>;
  /** While cancel() starts the new worker: a promise of it being ready, else null. */
  readonly restarting: Promise<void> | null;
  terminate(): void;
}

/** A data source (src/sources/): samples are {t: epoch ms, channel, value}. */
export interface Sample {
  t: number;
  channel: string;
  value: number;
  /** Connection segment (RR intervals are differenced only within one). */
  segment?: number;
}
export interface SourceEvent {
  type: 'connected' | 'disconnected' | 'reconnecting' | 'done' | 'error';
  t: number;
  message?: string;
}
export interface Source {
  start(onSample: (s: Sample) => void, onEvent?: (e: SourceEvent) => void): Promise<void>;
  stop(): void;
}

/** What importExport read: the minute table (heart_rate, steps, intensity, sleep_state), the files used and skipped, counts and drops. */
export interface ExportImport {
  table: { start: number; length: number; channels: string[]; values: Float32Array; duplicates: number; dropped: object[] };
  counts: { files: number; records: number; samples: number; ignored: number; outside: number; utcTimes: number; badRecords: number };
  files: { name: string; kind: string }[];
  skipped: { name: string; kind: null }[];
  dropped: { channel: string; unit: string; min: number; max: number; whole: boolean; below: number; above: number; notWhole: number; notFinite: number; badTime: number }[];
}
