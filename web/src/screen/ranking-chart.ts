import type { LeaderboardEntry } from '@rallyboard/core/protocol';
import { moveLabel, type RankMove } from '@rallyboard/core/protocol';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, CanvasRenderer]);

export { echarts };

/** A bar's reorder and growth: short enough to keep up with a tick, long enough to follow. */
const REORDER_MS = 400;

export interface Candidate {
  name: string;
  imageUrl?: string | undefined;
}

const PALETTE = ['#ffd166', '#c0c8d8', '#e0a36b', '#4cc9f0', '#4895ef', '#7b8cff', '#b388ff', '#f472b6'];

/** Font sizes follow the viewport, as the page's rem does: 1080p and 4K look the same. */
const px = (el: HTMLElement, rem: number) => rem * Number.parseFloat(getComputedStyle(el).fontSize);

/**
 * The live ranking as an ECharts bar race: one bar per candidate in the top N, sorted by score
 * with `realtimeSort`, so a change of order slides the bars past each other. The category axis
 * holds candidate ids; labels show the photo and the name, and the bar's end the score and the
 * rank-change arrow.
 */
export class RankingChart {
  readonly chart: echarts.ECharts;
  #candidates: ReadonlyMap<string, Candidate> = new Map();
  #moves = new Map<string, RankMove>();
  /** How many rows the chart has room for: the screen's top N. */
  slots: number;

  constructor(
    readonly el: HTMLElement,
    slots: number,
  ) {
    this.slots = slots;
    this.chart = echarts.init(el, undefined, { renderer: 'canvas' });
    // Its box shrinks when a line appears below it (matching, a lottery), not only with the window.
    new ResizeObserver(() => this.chart.resize()).observe(el);
  }

  setCandidates(candidates: ReadonlyMap<string, Candidate>): void {
    this.#candidates = candidates;
  }

  resize(): void {
    this.chart.resize();
  }

  /** Draws the ranking; `moves` decide the arrows. Bars move for REORDER_MS. */
  render(entries: readonly LeaderboardEntry[], moves: ReadonlyMap<string, RankMove>): void {
    this.#moves = new Map(moves);
    const ids = entries.map((e) => e.candidateId);
    const font = px(this.el, 1);
    const rowHeight = this.el.clientHeight / Math.max(this.slots, 1);
    const avatar = Math.min(rowHeight * 0.72, font * 3.2);
    const rich: Record<string, Record<string, unknown>> = {
      name: { color: '#f1f5ff', fontSize: font * 1.35, fontWeight: 600, padding: [0, 0, 0, font * 0.5] },
      none: { width: avatar, height: avatar, backgroundColor: '#27314f', borderRadius: avatar / 2 },
    };
    ids.forEach((id, i) => {
      const image = this.#candidates.get(id)?.imageUrl;
      if (image)
        rich[`a${i}`] = {
          width: avatar,
          height: avatar,
          borderRadius: avatar / 2,
          backgroundColor: { image },
        };
    });
    const avatarKey = new Map(
      ids.map((id, i) => [id, this.#candidates.get(id)?.imageUrl ? `a${i}` : 'none']),
    );
    this.chart.setOption({
      animationDuration: REORDER_MS,
      animationDurationUpdate: REORDER_MS,
      animationEasing: 'linear',
      animationEasingUpdate: 'linear',
      grid: { left: font * 14, right: font * 9, top: font * 0.5, bottom: font * 0.5 },
      xAxis: { type: 'value', max: 'dataMax', show: false },
      yAxis: {
        type: 'category',
        data: ids,
        inverse: true,
        // As many rows as there are entries, up to the top N: three candidates fill the height.
        max: Math.max(Math.min(this.slots, ids.length), 1) - 1,
        animationDuration: REORDER_MS,
        animationDurationUpdate: REORDER_MS,
        axisLine: { show: false },
        axisTick: { show: false },
        axisLabel: {
          margin: font * 0.8,
          formatter: (id: string | undefined) =>
            id && avatarKey.has(id)
              ? `{${avatarKey.get(id)}|}{name|${this.#candidates.get(id)?.name ?? id}}`
              : '',
          rich,
        },
      },
      series: [
        {
          type: 'bar',
          realtimeSort: true,
          barCategoryGap: '28%',
          data: entries.map((e) => ({
            value: e.score,
            // A colour per candidate, not per rank: a bar keeps its colour as it overtakes.
            itemStyle: { color: this.#colour(e.candidateId), borderRadius: font * 0.4 },
          })),
          label: {
            show: true,
            position: 'right',
            valueAnimation: false,
            color: '#f1f5ff',
            fontSize: font * 1.5,
            fontWeight: 700,
            formatter: (p: { dataIndex: number; value: number }) => {
              const id = ids[p.dataIndex] ?? '';
              const arrow = moveLabel(this.#moves.get(id));
              return arrow ? `${p.value}  {${arrowStyle(this.#moves.get(id))}|${arrow}}` : `${p.value}`;
            },
            rich: {
              up: { color: '#4ade80', fontSize: font * 1.1, fontWeight: 700 },
              down: { color: '#f87171', fontSize: font * 1.1, fontWeight: 700 },
              new: { color: '#7dd3fc', fontSize: font * 1.0, fontWeight: 700 },
            },
          },
        },
      ],
    });
  }

  #colour(candidateId: string): string {
    const index = [...this.#candidates.keys()].indexOf(candidateId);
    return PALETTE[(index < 0 ? 0 : index) % PALETTE.length] ?? '#4cc9f0';
  }

  dispose(): void {
    this.chart.dispose();
  }
}

function arrowStyle(move: RankMove | undefined): string {
  return move?.kind === 'down' ? 'down' : move?.kind === 'new' ? 'new' : 'up';
}
