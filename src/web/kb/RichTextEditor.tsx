import "@mantine/tiptap/styles.css";
import { RichTextEditor as Editor, Link } from "@mantine/tiptap";
import { useEditor } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import { useEffect } from "react";

/**
 * Rich text as the server keeps it (src/core/html.ts: headings, lists, quotes, code, links): the toolbar offers only
 * what survives sanitising, so what an author sees while writing is what readers get.
 */
export function RichTextEditor({
  value,
  onChange,
  label,
  readOnly,
  mergeFields,
}: {
  value: string;
  onChange: (html: string) => void;
  label: string;
  readOnly?: boolean;
  /** Text holds liquid merge fields: `{{ company.name }}` must not become a link to http://company.name. */
  mergeFields?: boolean;
}) {
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: false, underline: false }), Link.configure({ openOnClick: false, autolink: !mergeFields })],
    content: value,
    editable: !readOnly,
    immediatelyRender: false,
    editorProps: { attributes: { "aria-label": label, "data-testid": "rich-text-input" } },
    onUpdate: ({ editor: e }) => onChange(e.isEmpty ? "" : e.getHTML()),
  });
  // A restored version or a reload replaces the text; typing does not come back through here.
  useEffect(() => {
    if (editor && value !== editor.getHTML() && !(value === "" && editor.isEmpty)) editor.commands.setContent(value, { emitUpdate: false });
  }, [editor, value]);
  useEffect(() => editor?.setEditable(!readOnly), [editor, readOnly]);
  return (
    <Editor editor={editor} data-testid="rich-text-editor">
      {!readOnly && (
        <Editor.Toolbar sticky stickyOffset={60}>
          <Editor.ControlsGroup>
            <Editor.Bold />
            <Editor.Italic />
            <Editor.Strikethrough />
            <Editor.Code />
          </Editor.ControlsGroup>
          <Editor.ControlsGroup>
            <Editor.H2 />
            <Editor.H3 />
            <Editor.Blockquote />
            <Editor.BulletList />
            <Editor.OrderedList />
            <Editor.CodeBlock />
          </Editor.ControlsGroup>
          <Editor.ControlsGroup>
            <Editor.Link />
            <Editor.Unlink />
          </Editor.ControlsGroup>
          <Editor.ControlsGroup>
            <Editor.Undo />
            <Editor.Redo />
          </Editor.ControlsGroup>
        </Editor.Toolbar>
      )}
      <Editor.Content mih={260} />
    </Editor>
  );
}
