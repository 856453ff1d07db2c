// The 16 townships (乡镇街道) of 柯桥区 (codes from GB/T 2260 / NBS 2023). There are no public
// township boundaries, so the overview map shows each as a labelled point at an APPROXIMATE
// centre (GCJ-02 lon/lat, like the district outline), chosen to fall inside the outline.
export const TOWNSHIPS = [
  { code: '330603001', name: '柯桥街道', name_en: 'Keqiao', lon: 120.493, lat: 30.083 },
  { code: '330603002', name: '柯岩街道', name_en: 'Keyan', lon: 120.465, lat: 30.055 },
  { code: '330603003', name: '华舍街道', name_en: 'Huashe', lon: 120.43, lat: 30.1 },
  { code: '330603004', name: '湖塘街道', name_en: 'Hutang', lon: 120.425, lat: 30.045 },
  { code: '330603005', name: '齐贤街道', name_en: 'Qixian', lon: 120.53, lat: 30.13 },
  { code: '330603006', name: '福全街道', name_en: 'Fuquan', lon: 120.47, lat: 30.115 },
  { code: '330603007', name: '安昌街道', name_en: 'Anchang', lon: 120.49, lat: 30.145 },
  { code: '330603008', name: '兰亭街道', name_en: 'Lanting', lon: 120.51, lat: 29.965 },
  { code: '330603009', name: '钱清街道', name_en: 'Qianqing', lon: 120.36, lat: 30.09 },
  { code: '330603010', name: '杨汛桥街道', name_en: 'Yangxunqiao', lon: 120.32, lat: 30.12 },
  { code: '330603011', name: '马鞍街道', name_en: "Ma'an", lon: 120.66, lat: 30.21 },
  { code: '330603105', name: '平水镇', name_en: 'Pingshui', lon: 120.64, lat: 29.92 },
  { code: '330603107', name: '王坛镇', name_en: 'Wangtan', lon: 120.66, lat: 29.8 },
  { code: '330603109', name: '稽东镇', name_en: 'Jidong', lon: 120.56, lat: 29.76 },
  { code: '330603111', name: '漓渚镇', name_en: 'Lizhu', lon: 120.43, lat: 29.985 },
  { code: '330603114', name: '夏履镇', name_en: 'Xialü', lon: 120.37, lat: 30.02 },
]
