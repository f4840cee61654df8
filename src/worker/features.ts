/**
 * The analyses beyond per-token scoring, each delegated to its core (or remote-engine) module. Exact
 * KL-based measures need full-vocabulary passes (`model.scoring`); on a remote engine directed
 * information and flow fall back to the engine's two-pass/occlusion forms, and generation and model
 * comparison say plainly that they need a local model.
 */
import { compareModels } from '../core/comparison';
import { dialogueInformation } from '../core/dialogueInformation';
import { directedInformation } from '../core/directedInformation';
import { SemanticFlowError } from '../core/errors';
import { generate } from '../core/generation';
import { occlusionFlow } from '../core/occlusionFlow';
import { rateDistortion } from '../core/rateDistortion';
import type { AnalysisResult } from '../core/result';
import { modelDirOf } from '../engines/createModel';
import type { LanguageModel } from '../engines/languageModel';
import { twoPassDirectedInformation } from '../engines/remote/remoteDirectedInformation';
import { remoteOcclusion } from '../engines/remote/remoteOcclusion';
import type { HandlerContext } from './dispatcher';
import { referenceParameters } from '../engines/onnx/modelVariants';
import { variantSources } from '../engines/onnx/variantSources';
import type {
  CompareParams,
  DialogueParams,
  DiParams,
  FlowParams,
  GenerateParams,
  RateDistortionParams,
} from './protocol';

export interface Features {
  di(model: LanguageModel, p: DiParams, ctx: HandlerContext): Promise<AnalysisResult>;
  flow(model: LanguageModel, p: FlowParams, ctx: HandlerContext): Promise<AnalysisResult>;
  generate(model: LanguageModel, p: GenerateParams, ctx: HandlerContext): Promise<AnalysisResult>;
  compare(a: LanguageModel, b: LanguageModel, p: CompareParams, ctx: HandlerContext): Promise<AnalysisResult>;
  dialogue(model: LanguageModel, p: DialogueParams, ctx: HandlerContext): Promise<AnalysisResult>;
  /** `reference` is the engine's model loaded in fp32. */
  rateDistortion(reference: LanguageModel, p: RateDistortionParams, ctx: HandlerContext): Promise<AnalysisResult>;
}

const needsLocal = (what: string, m: LanguageModel): SemanticFlowError =>
  new SemanticFlowError(
    'server-limitation',
    `${what} needs full-vocabulary passes, which ${m.info.id} on a remote server cannot give; choose a local model with "Semantic Flow: Select Model".`,
  );

const withSource = (r: AnalysisResult, source: AnalysisResult['source']): AnalysisResult =>
  source ? { ...r, source } : r;

export const features: Features = {
  async di(model, p, ctx) {
    const { topK, chunkSize } = p.options;
    const scoring = model.scoring;
    if (scoring) {
      const r = await directedInformation(
        scoring,
        { text: p.text, promptRange: p.prompt, responseRange: p.response },
        {
          topK,
          chunkSize,
          baseline: p.options.baseline,
          baselineText: p.options.baselineText,
          signal: ctx.signal,
          onProgress: (q) => ctx.progress({ stage: 'score', done: q.doneTokens, total: q.totalTokens, unit: 'tokens' }),
        },
      );
      return withSource(r, p.source);
    }
    // Two-pass forms score prompt + response as one text: keep only the two ranges, adjacent.
    const prompt = p.text.slice(p.prompt.start, p.prompt.end);
    const response = p.text.slice(p.response.start, p.response.end);
    const baseline = p.options.baseline === 'neutral' ? undefined : p.options.baseline;
    const o = { prompt, response, topK, baseline, baselineText: p.options.baselineText, signal: ctx.signal };
    const r = await twoPassDirectedInformation(model, o);
    return withSource(
      r,
      p.source && p.prompt.end === p.response.start
        ? { ...p.source, offset: p.source.offset + p.prompt.start }
        : undefined,
    );
  },

  async flow(model, p, ctx) {
    const { topK, chunkSize, unit, method } = p.options;
    let r: AnalysisResult;
    if (model.scoring) {
      let detail = '';
      r = await occlusionFlow(model.scoring, p.text, {
        topK,
        chunkSize,
        unit,
        method,
        signal: ctx.signal,
        onPlan: (cost) => {
          detail = `${cost.sources} sources × ${cost.targets} targets in ${cost.passes} passes`;
          ctx.progress({ stage: 'score', done: 0, total: cost.tokenSteps, unit: 'token-steps', detail });
        },
        onProgress: (q) =>
          ctx.progress({ stage: 'score', done: q.doneSteps, total: q.totalSteps, unit: 'token-steps', detail }),
      });
    } else {
      r = await remoteOcclusion(model, p.text, {
        topK,
        unit,
        signal: ctx.signal,
        onProgress: (q) => ctx.progress({ stage: 'score', done: q.doneSources, total: q.totalSources, unit: 'passes' }),
      });
    }
    return withSource(r, p.source);
  },

  async generate(model, p, ctx) {
    if (!model.scoring) throw needsLocal('Generation with information flow', model);
    const { topK, chunkSize, maxTokens, temperature, seed, samples } = p.options;
    return generate(model.scoring, p.prompt, {
      topK,
      chunkSize,
      maxTokens,
      temperature,
      seed,
      samples,
      signal: ctx.signal,
      onToken: (token, sample) => {
        if (sample === 0) ctx.progress({ stage: 'token', token });
      },
      onProgress: (q) => ctx.progress({ stage: 'score', done: q.step, total: maxTokens, unit: 'tokens' }),
    });
  },

  async compare(a, b, p, ctx) {
    if (!a.scoring) throw needsLocal('Model comparison', a);
    if (!b.scoring) throw needsLocal('Model comparison', b);
    const r = await compareModels(a.scoring, b.scoring, p.text, {
      topK: p.options.topK,
      chunkSize: p.options.chunkSize,
      signal: ctx.signal,
      onProgress: (q) => ctx.progress({ stage: 'score', done: q.doneTokens, total: q.totalTokens, unit: 'tokens' }),
    });
    return withSource(r, p.source);
  },

  async dialogue(model, p, ctx) {
    const scoring = model.scoring;
    if (!scoring) throw needsLocal('Directed information in a dialogue', model);
    return dialogueInformation(scoring, p.messages, {
      topK: p.options.topK,
      chunkSize: p.options.chunkSize,
      baseline: p.options.baseline,
      baselineText: p.options.baselineText,
      signal: ctx.signal,
      onProgress: (q) => ctx.progress({ stage: 'score', done: q.doneTokens, total: q.totalTokens, unit: 'tokens' }),
    });
  },

  async rateDistortion(reference, p, ctx) {
    if (p.engine.kind !== 'onnx' || !reference.scoring) throw needsLocal('Quantisation rate–distortion', reference);
    const dir = modelDirOf(p.engine, 'fp32');
    const r = await rateDistortion(
      reference.scoring,
      variantSources(dir, reference.scoring, { device: p.engine.device, threads: p.engine.threads, id: p.engine.id }),
      [{ name: p.source?.uri ?? 'text', text: p.text }],
      {
        reference: 'onnx/model.onnx',
        parameters: referenceParameters(dir),
        topK: p.options.topK,
        chunkSize: p.options.chunkSize,
        resamples: p.options.resamples,
        seed: p.options.seed,
        worst: p.options.worst,
        signal: ctx.signal,
        onProgress: (q) =>
          ctx.progress({
            stage: 'score',
            done: q.doneTokens + q.doneVariants * q.totalTokens,
            total: q.totalVariants * q.totalTokens,
            unit: 'tokens',
            detail: `${q.variant}, variant ${q.doneVariants + 1} of ${q.totalVariants}`,
          }),
      },
    );
    return withSource(r, p.source);
  },
};
