import { statSync } from "node:fs";
import { posix } from "node:path";
import { booleanOption, stringOption } from "./common/args.js";
import { guarded } from "./common/failure.js";
import { installFile, resolveFileDestination } from "./common/install-file.js";
import { attributeWish, type CopyArgs, installOptions, installSettings } from "./copy.js";
import type { ModuleDefinition } from "./types.js";

export interface TemplateArgs extends Omit<CopyArgs, "src" | "content"> {
  src: string;
  newline_sequence?: "\n" | "\r\n" | "\r";
  output_encoding?: string;
  trim_blocks?: unknown;
  lstrip_blocks?: unknown;
}

const schema = {
  type: "object",
  properties: {
    src: stringOption("template on the controller (templates/ of the role)"),
    newline_sequence: { enum: ["\n", "\r\n", "\r"] },
    output_encoding: { enum: ["utf-8", "utf8", "UTF-8"] },
    trim_blocks: booleanOption("accepted for Ansible playbooks; Handlebars templates have no Jinja blocks"),
    lstrip_blocks: booleanOption("accepted for Ansible playbooks; Handlebars templates have no Jinja blocks"),
    ...installOptions,
  },
  required: ["src", "dest"],
  additionalProperties: false,
};

/** Ansible's `template`: renders a file from the controller, then installs it exactly as copy does. */
export const templateModule: ModuleDefinition<TemplateArgs> = {
  name: "template",
  schema,
  run: (ctx, args) =>
    guarded(async () => {
      const local = ctx.findLocal("templates", args.src);
      let text = ctx.renderTemplate(local);
      const newline = args.newline_sequence ?? "\n";
      if (newline !== "\n") text = text.replace(/\r\n|\r|\n/g, newline);
      const localMode = statSync(local).mode & 0o7777;
      const dest = await resolveFileDestination(
        ctx,
        args.dest,
        posix.basename(args.src),
        attributeWish({ owner: args.owner, group: args.group }),
      );
      return installFile(ctx, {
        dest,
        content: Buffer.from(text, "utf8"),
        source: local,
        attributes: attributeWish(args, localMode),
        ...installSettings(args),
      });
    }),
};
