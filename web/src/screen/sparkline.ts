import type { echarts } from './ranking-chart.js';

/** The votes-per-minute line under the headline figure: one point per rate, no axes, no animation. */
export function drawSparkline(chart: echarts.ECharts, series: readonly number[]): void {
  chart.setOption({
    animation: false,
    grid: { left: 0, right: 0, top: 4, bottom: 4 },
    xAxis: {
      type: 'category',
      show: false,
      boundaryGap: false,
      data: series.map((_, i) => i),
    },
    yAxis: { type: 'value', show: false, min: 0 },
    series: [
      {
        type: 'line',
        data: series,
        smooth: true,
        symbol: 'none',
        lineStyle: { color: '#4cc9f0', width: 3 },
        areaStyle: { color: 'rgba(76, 201, 240, 0.18)' },
      },
    ],
  });
}
