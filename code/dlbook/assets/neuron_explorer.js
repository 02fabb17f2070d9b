// Chapter 02's neuron explorer (dlbook.widgets.neuron_explorer), drawn by the browser so
// that it responds wherever the page is read: the static book, Colab, Jupyter. It draws
// a = f(w1 x1 + w2 x2 + b) on a 121 x 121 grid over
// [-3, 3]^2 in the colours of matplotlib's viridis (scaled from the smallest output to
// the largest, as imshow does), the line z = 0 dashed and the weight vector w as an arrow.
// The Python side fills in the element's id and the colour table.
(function (root, viridis) {
  "use strict";
  var zh = /^zh/.test(document.documentElement.lang || "");
  var alt = zh ? "神经元输出在输入平面上的颜色图"
               : "colour map of the neuron's output over the input plane";
  var f = {
    sigmoid: function (z) { return 1 / (1 + Math.exp(-z)); },
    tanh: Math.tanh,
    relu: function (z) { return z > 0 ? z : 0; }
  };
  var LIM = 3, N = 121;
  var plot = {left: 44, top: 28, size: 240};   // the square of the input plane, in px
  var bar = {left: 300, width: 14};            // the colour bar
  var canvas = root.querySelector("canvas");
  var ctx = canvas.getContext("2d");
  var grid = document.createElement("canvas");  // one pixel per grid point
  grid.width = grid.height = N;

  function colour(t) {              // t in [0, 1] -> "#rrggbb", as Colormap.__call__ bins it
    var i = Math.min(255, Math.max(0, Math.floor(t * 256)));
    return "#" + viridis.substr(6 * i, 6);
  }
  function px(x) { return plot.left + (x + LIM) / (2 * LIM) * plot.size; }
  function py(y) { return plot.top + (LIM - y) / (2 * LIM) * plot.size; }
  function read(name) {
    var input = root.querySelector("[name=" + name + "]");
    return input.tagName === "SELECT" ? input.value : parseFloat(input.value);
  }

  function draw() {
    var w1 = read("w1"), w2 = read("w2"), b = read("b"), activation = read("activation");
    var a = new Float64Array(N * N), lo = Infinity, hi = -Infinity, i, j;
    for (i = 0; i < N; i++) {          // row i holds x2 = -3 + 6 i / (N - 1), bottom up
      for (j = 0; j < N; j++) {
        var v = f[activation](w1 * (-LIM + 2 * LIM * j / (N - 1)) +
                              w2 * (-LIM + 2 * LIM * i / (N - 1)) + b);
        a[i * N + j] = v;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    var scale = hi > lo ? 1 / (hi - lo) : 0;   // a flat map takes the lowest colour
    var image = grid.getContext("2d").createImageData(N, N);
    for (i = 0; i < N; i++) {
      for (j = 0; j < N; j++) {
        var hex = colour((a[i * N + j] - lo) * scale), k = 4 * ((N - 1 - i) * N + j);
        image.data[k] = parseInt(hex.substr(1, 2), 16);
        image.data[k + 1] = parseInt(hex.substr(3, 2), 16);
        image.data[k + 2] = parseInt(hex.substr(5, 2), 16);
        image.data[k + 3] = 255;
      }
    }
    grid.getContext("2d").putImageData(image, 0, 0);

    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;          // each grid point a block of one colour
    ctx.drawImage(grid, plot.left, plot.top, plot.size, plot.size);

    ctx.save();                                  // z = 0 and w, clipped to the plane
    ctx.beginPath();
    ctx.rect(plot.left, plot.top, plot.size, plot.size);
    ctx.clip();
    ctx.strokeStyle = ctx.fillStyle = "#fff";
    ctx.lineWidth = 1.5;
    if (w1 !== 0 || w2 !== 0) {
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      if (Math.abs(w2) >= Math.abs(w1)) {        // x2 = -(w1 x1 + b) / w2
        ctx.moveTo(px(-LIM), py((w1 * LIM - b) / w2));
        ctx.lineTo(px(LIM), py(-(w1 * LIM + b) / w2));
      } else {                                   // x1 = -(w2 x2 + b) / w1
        ctx.moveTo(px((w2 * LIM - b) / w1), py(-LIM));
        ctx.lineTo(px(-(w2 * LIM + b) / w1), py(LIM));
      }
      ctx.stroke();
      ctx.setLineDash([]);
      var tip = [px(w1), py(w2)], angle = Math.atan2(tip[1] - py(0), tip[0] - px(0));
      var head = Math.min(10, Math.hypot(tip[0] - px(0), tip[1] - py(0)));
      ctx.beginPath();
      ctx.moveTo(px(0), py(0));
      ctx.lineTo(tip[0] - head * Math.cos(angle), tip[1] - head * Math.sin(angle));
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(tip[0], tip[1]);
      ctx.lineTo(tip[0] - head * Math.cos(angle - 0.4), tip[1] - head * Math.sin(angle - 0.4));
      ctx.lineTo(tip[0] - head * Math.cos(angle + 0.4), tip[1] - head * Math.sin(angle + 0.4));
      ctx.fill();
    }
    ctx.restore();

    ctx.fillStyle = ctx.strokeStyle = "#222";
    ctx.lineWidth = 1;
    ctx.strokeRect(plot.left, plot.top, plot.size, plot.size);
    ctx.font = "12px sans-serif";
    ctx.textAlign = "center";
    for (var t = -LIM; t <= LIM; t++) {
      ctx.fillText(String(t), px(t), plot.top + plot.size + 14);
      ctx.fillText(String(t), plot.left - 12, py(t) + 4);
    }
    ctx.font = "italic 13px serif";
    ctx.fillText("x\u2081", px(0), plot.top + plot.size + 30);
    ctx.fillText("x\u2082", plot.left - 30, py(0) + 4);
    ctx.font = "13px sans-serif";
    ctx.fillText(activation + "(w\u00b7x + b)", px(0), plot.top - 10);

    for (i = 0; i < plot.size; i++) {            // the colour bar, low at the bottom
      ctx.fillStyle = colour(1 - (i + 0.5) / plot.size);
      ctx.fillRect(bar.left, plot.top + i, bar.width, 1);
    }
    ctx.fillStyle = "#222";
    ctx.strokeRect(bar.left, plot.top, bar.width, plot.size);
    ctx.textAlign = "left";
    ctx.font = "11px sans-serif";
    for (i = 0; i <= 4; i++) {
      var level = lo + (hi - lo) * i / 4;
      ctx.fillText(level.toFixed(2), bar.left + bar.width + 4, plot.top + plot.size * (1 - i / 4) + 4);
    }
    ctx.textAlign = "center";
    ctx.font = "italic 13px serif";
    ctx.fillText("a", bar.left + bar.width / 2, plot.top - 10);   // the output

    canvas.setAttribute("aria-label", alt + ": " + activation + ", w1 = " +
                        w1.toFixed(1) + ", w2 = " + w2.toFixed(1) + ", b = " + b.toFixed(1));
  }

  root.querySelectorAll(zh ? ".dlbook-en" : ".dlbook-zh").forEach(function (label) {
    label.hidden = true;
  });
  root.querySelectorAll(zh ? ".dlbook-zh" : ".dlbook-en").forEach(function (label) {
    label.hidden = false;
  });
  root.querySelectorAll("input, select").forEach(function (input) {
    input.addEventListener("input", function () {
      var shown = input.parentNode.querySelector("output");
      if (shown) shown.textContent = parseFloat(input.value).toFixed(1);
      draw();
    });
  });
  draw();
})
