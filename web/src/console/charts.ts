import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { formatTime } from './format.js';

// Only the parts the console draws, so the bundle carries no more of ECharts than that.
echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export { echarts };

const AXIS = { axisLine: { lineStyle: { color: '#c9d2e3' } }, axisLabel: { color: '#5b6478' } };
const SPLIT = { splitLine: { lineStyle: { color: '#eef1f7' } } };

/** Votes per second over the last minute: a filled line, seconds (campaign time) on the x axis. */
export function rateChartOption(
  points: readonly { at: string; votes: number }[],
  timeZone: string,
): echarts.EChartsCoreOption {
  return {
    animation: false,
    grid: { left: 44, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'category',
      data: points.map((p) => formatTime(p.at, timeZone).slice(11)),
      ...AXIS,
      axisLabel: { ...AXIS.axisLabel, interval: 14 },
    },
    yAxis: { type: 'value', minInterval: 1, ...AXIS, ...SPLIT },
    series: [
      {
        name: '每秒票数',
        type: 'line',
        data: points.map((p) => p.votes),
        smooth: false,
        showSymbol: false,
        lineStyle: { width: 2, color: '#3b5bdb' },
        areaStyle: { color: 'rgba(59, 91, 219, 0.15)' },
      },
    ],
  };
}

/** Votes by /16 network: the biggest blocks, as horizontal bars. */
export function networkChartOption(
  networks: readonly { network: string; votes: number }[],
): echarts.EChartsCoreOption {
  const top = networks.slice(0, 12).reverse();
  return {
    animation: false,
    grid: { left: 120, right: 24, top: 8, bottom: 24 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1, ...AXIS, ...SPLIT },
    yAxis: { type: 'category', data: top.map((n) => n.network), ...AXIS },
    series: [
      {
        name: '票数',
        type: 'bar',
        data: top.map((n) => n.votes),
        itemStyle: { color: '#f08c00', borderRadius: [0, 4, 4, 0] },
        barMaxWidth: 18,
      },
    ],
  };
}
