// Draws I420 frames on a canvas with WebGL: three single-channel textures (created once per
// frame size, updated with texSubImage2D) and a BT.601 studio-range YUV->RGB shader, scaled
// into a backing store of the size the caller asks for (see fit.ts).
import type { Size } from "./fit";
import type { BridgeFrame } from "./frame";

const VERTEX = `
attribute vec2 pos;
uniform float mirror;
varying vec2 uv;
void main() {
  uv = vec2((pos.x * mirror + 1.0) * 0.5, (1.0 - pos.y) * 0.5);
  gl_Position = vec4(pos, 0.0, 1.0);
}`;

const FRAGMENT = `
precision mediump float;
varying vec2 uv;
uniform sampler2D texY;
uniform sampler2D texU;
uniform sampler2D texV;
void main() {
  float y = 1.1643 * (texture2D(texY, uv).r - 0.0625);
  float u = texture2D(texU, uv).r - 0.5;
  float v = texture2D(texV, uv).r - 0.5;
  gl_FragColor = vec4(y + 1.5958 * v, y - 0.39173 * u - 0.8129 * v, y + 2.017 * u, 1.0);
}`;

export class YuvRenderer {
  readonly kind = "webgl";
  private readonly gl: WebGLRenderingContext;
  private readonly textures: WebGLTexture[] = [];
  private readonly mirrorLoc: WebGLUniformLocation | null;
  private frameSize: Size = { width: 0, height: 0 };

  constructor(private readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext("webgl", { alpha: false, antialias: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error("WebGL is not available in this webview");
    this.gl = gl;
    const program = gl.createProgram();
    if (!program) throw new Error("cannot create a WebGL program");
    gl.attachShader(program, this.compile(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, this.compile(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`WebGL link failed: ${gl.getProgramInfoLog(program)}`);
    }
    gl.useProgram(program);
    const quad = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const pos = gl.getAttribLocation(program, "pos");
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, 0, 0);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    ["texY", "texU", "texV"].forEach((name, unit) => {
      const tex = gl.createTexture();
      if (!tex) throw new Error("cannot create a WebGL texture");
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, tex);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.uniform1i(gl.getUniformLocation(program, name), unit);
      this.textures.push(tex);
    });
    this.mirrorLoc = gl.getUniformLocation(program, "mirror");
  }

  /** Paints the canvas black (no picture). */
  clear(): void {
    this.gl.clearColor(0, 0, 0, 1);
    this.gl.clear(this.gl.COLOR_BUFFER_BIT);
  }

  draw(frame: BridgeFrame, target: Size): void {
    const gl = this.gl;
    const { width, height } = frame;
    const cw = Math.ceil(width / 2);
    const ch = Math.ceil(height / 2);
    if (this.canvas.width !== target.width || this.canvas.height !== target.height) {
      this.canvas.width = target.width;
      this.canvas.height = target.height;
    }
    gl.viewport(0, 0, target.width, target.height);
    const resized = width !== this.frameSize.width || height !== this.frameSize.height;
    if (resized) this.frameSize = { width, height };
    const planes: [Uint8Array, number, number][] = [
      [frame.y, width, height],
      [frame.u, cw, ch],
      [frame.v, cw, ch],
    ];
    planes.forEach(([data, w, h], unit) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, this.textures[unit]);
      if (resized) {
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.LUMINANCE, w, h, 0, gl.LUMINANCE, gl.UNSIGNED_BYTE, data);
      } else {
        gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.LUMINANCE, gl.UNSIGNED_BYTE, data);
      }
    });
    gl.uniform1f(this.mirrorLoc, frame.mirrored ? -1 : 1);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  private compile(type: number, source: string): WebGLShader {
    const shader = this.gl.createShader(type);
    if (!shader) throw new Error("cannot create a WebGL shader");
    this.gl.shaderSource(shader, source);
    this.gl.compileShader(shader);
    if (!this.gl.getShaderParameter(shader, this.gl.COMPILE_STATUS)) {
      throw new Error(`WebGL shader failed: ${this.gl.getShaderInfoLog(shader)}`);
    }
    return shader;
  }
}
