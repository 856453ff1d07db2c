// Apache ECharts, only the parts the console uses (tree-shaken through echarts/core).
// The SVG renderer keeps charts sharp when the overview canvas is scaled up to a 4K wall.
import * as echarts from 'echarts/core'
import { BarChart, LineChart, PieChart, ScatterChart, EffectScatterChart, GraphChart } from 'echarts/charts'
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  GeoComponent,
  VisualMapComponent,
  TitleComponent,
} from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  ScatterChart,
  EffectScatterChart,
  GraphChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  GeoComponent,
  VisualMapComponent,
  TitleComponent,
  SVGRenderer,
])

export default echarts
