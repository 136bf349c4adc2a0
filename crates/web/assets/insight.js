// Dashboard charts (progressive enhancement): every chart draws from the
// JSON the API serves, into containers the page already fills with tables.
// Without script, or when a request fails, the tables remain and the empty
// container stays hidden, so nothing looks like a zero.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var lang = document.documentElement.lang || "id";
  var fmt = new Intl.NumberFormat(lang === "en" ? "en-US" : "id-ID");

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  }

  function start(el) {
    el.classList.add("chart-on");
    var chart = echarts.init(el, null, { renderer: "svg" });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function fail(el, e) {
    el.classList.remove("chart-on");
    if (window.console) console.warn("chart not drawn", e);
  }

  var map = document.getElementById("insight-map");
  if (map) {
    Promise.all([getJson(map.dataset.geoUrl), getJson(map.dataset.mapUrl)]).then(function (res) {
      var geo = res[0], data = res[1];
      echarts.registerMap("indonesia", geo);
      var values = data.values.map(function (v) { return { name: v.code, value: v.value, label: v.name }; });
      var max = Math.max.apply(null, values.map(function (v) { return v.value; }).concat([1]));
      var names = {};
      data.values.forEach(function (v) { names[v.code] = v.name; });
      var chart = start(map);
      chart.setOption({
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var name = names[p.name] || p.name;
            return name + "<br>" + map.dataset.label + ": " + (isNaN(p.value) ? "–" : fmt.format(p.value));
          }
        },
        visualMap: { min: 0, max: max, left: "left", bottom: 0, calculable: true, text: [fmt.format(max), "0"],
          inRange: { color: ["#e8f1fa", "#2a73b3", "#0b3a66"] } },
        series: [{ type: "map", map: "indonesia", nameProperty: "code", roam: true, data: values,
          emphasis: { label: { show: false } } }]
      });
      chart.on("click", function (p) { if (p.name) window.location.href = map.dataset.drill + encodeURIComponent(p.name); });
    }).catch(function (e) { fail(map, e); });
  }

  var ranking = document.getElementById("insight-ranking");
  if (ranking) {
    getJson(ranking.dataset.url).then(function (data) {
      var rows = data.values.slice().reverse();
      ranking.style.height = Math.max(240, rows.length * 22 + 60) + "px";
      var chart = start(ranking);
      chart.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 160, right: 30, top: 10, bottom: 30 },
        xAxis: { type: "value", axisLabel: { formatter: function (v) { return fmt.format(v); } } },
        yAxis: { type: "category", data: rows.map(function (v) { return v.name; }) },
        series: [{ type: "bar", name: ranking.dataset.label, data: rows.map(function (v) { return { value: v.value, code: v.code }; }),
          itemStyle: { color: "#2a73b3" } }]
      });
      chart.on("click", function (p) { if (p.data && p.data.code) window.location.href = ranking.dataset.drill + encodeURIComponent(p.data.code); });
    }).catch(function (e) { fail(ranking, e); });
  }

  var trend = document.getElementById("insight-trend");
  var division = document.getElementById("insight-division");
  if (trend || division) {
    getJson((trend || division).dataset.url).then(function (d) {
      if (trend) {
        var labels = JSON.parse(trend.dataset.labels);
        var years = d.trend.map(function (p) { return String(p.year); });
        var series = ["units", "workers", "upgraded"].map(function (k) {
          return { type: "line", name: labels[k], data: d.trend.map(function (p) { return p.measures[k]; }) };
        });
        start(trend).setOption({
          tooltip: { trigger: "axis" }, legend: { top: 0 },
          grid: { left: 70, right: 20, top: 40, bottom: 30 },
          xAxis: { type: "category", data: years },
          yAxis: { type: "value", axisLabel: { formatter: function (v) { return fmt.format(v); } } },
          series: series
        });
      }
      if (division) {
        var rows = d.by_division.slice().sort(function (a, b) { return a.measures.export_usd_cents - b.measures.export_usd_cents; });
        division.style.height = Math.max(240, rows.length * 22 + 60) + "px";
        start(division).setOption({
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          grid: { left: 220, right: 30, top: 10, bottom: 30 },
          xAxis: { type: "value", axisLabel: { formatter: function (v) { return fmt.format(v); } } },
          yAxis: { type: "category", data: rows.map(function (r) { return r.division + " " + (lang === "en" ? r.name_en : r.name_id); }) },
          series: [{ type: "bar", name: division.dataset.label, data: rows.map(function (r) { return Math.floor(r.measures.export_usd_cents / 100); }),
            itemStyle: { color: "#2a73b3" } }]
        });
      }
    }).catch(function (e) { if (trend) fail(trend, e); if (division) fail(division, e); });
  }
})();
