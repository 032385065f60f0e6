// The admin's rich-text editor (disclosures/editor.py): django-prose-editor's bundled Tiptap
// editor, built from exactly the extensions disclosures/sanitize.py lists, so staff can write
// nothing the sanitizer drops and the sanitizer keeps nothing the editor cannot show.
// A module from 'self' (the CSP allows no inline script or style): the bundle is imported by
// the static URL each textarea's data-rich-text carries, and Tiptap's own style sheet, which it
// would inject as a <style> element, is in rich-text.css beside this file instead.
// Without JavaScript the textarea stays as it is.

// The schemes a link may use: those the sanitizer keeps (the editor's config says; see linkProblem).
let linkSchemes = ["http", "https", "mailto", "tel"]

const textareas = [...document.querySelectorAll("textarea[data-rich-text]")].filter(
  (textarea) => !textarea.id.includes("__prefix__"),
)

// The bundle's dialogs ask window.gettext when it loads; the admin's catalogue has no Chinese
// for them.
const CHINESE = {
  URL: "链接地址",
  Title: "提示文字（可不填）",
  "Edit Link": "链接",
  Update: "确定",
  Cancel: "取消",
  Insert: "插入",
  "Image URL": "图片地址",
  "Alternative Text": "替代文字（用一句话说明图片内容，发布前必填）",
  Caption: "图片说明（显示在图片下方，可不填）",
  "Insert Figure": "插入图片",
  "Edit Figure": "编辑图片",
  "Edit Image": "编辑图片",
  "Add caption": "添加图片说明",
  "Remove caption": "删除图片说明",
}

// Labels of the toolbar's buttons, by the name the menu gives each.
const LABELS = {
  paragraph: "正文段落",
  heading2: "二级标题",
  heading3: "三级标题",
  heading4: "四级标题",
  bulletList: "项目符号列表",
  orderedList: "编号列表",
  signature: "落款（右对齐）",
  bold: "加粗",
  italic: "倾斜",
  subscript: "下标",
  superscript: "上标",
  link: "链接（先选中文字）",
  unlink: "取消链接",
  figure: "图片",
  table: "插入表格",
  "table:caption": "表格标题",
  "table:addColumnAfter": "在右侧插入一列",
  "table:deleteColumn": "删除所在列",
  "table:addRowAfter": "在下方插入一行",
  "table:deleteRow": "删除所在行",
  "table:mergeCells": "合并单元格",
  "table:splitCell": "拆分单元格",
  "table:toggleHeaderCell": "设为表头单元格或取消",
  "table:deleteTable": "删除表格",
  "history:undo": "撤销",
  "history:redo": "重做",
}
const TOGGLES = new Set([
  "paragraph",
  "heading2",
  "heading3",
  "heading4",
  "orderedList",
  "signature",
  "bold",
  "italic",
  "subscript",
  "superscript",
  "link",
])
const FOCUSABLE =
  "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), " +
  "textarea:not([disabled]), [tabindex]:not([tabindex='-1']), [contenteditable='true']"

if (textareas.length) {
  const config = JSON.parse(textareas[0].dataset.richText)
  const djangoGettext = window.gettext
  window.gettext = (text) => CHINESE[text] ?? (djangoGettext ? djangoGettext(text) : text)
  const E = await import(config.editor)
  window.gettext = djangoGettext
  const available = { ...E, ...ourExtensions(E, config) }
  for (const textarea of textareas) {
    createEditor(E, available, textarea)
  }
}

function ourExtensions(E, config) {
  const allowedUrl = (name) => {
    const schemes = config.extensions[name]?.schemes ?? []
    return (url) => {
      const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(url ?? "")
      return !scheme || schemes.includes(scheme[1].toLowerCase())
    }
  }
  // Attributes the sanitizer does not keep: never read from pasted markup, never written.
  // (Kept in the schema, where the table commands expect them.)
  const unwritten = (extension, ...names) =>
    extension.extend({
      addAttributes() {
        const attributes = { ...this.parent?.() }
        for (const name of names) {
          attributes[name] = { default: null, parseHTML: () => null, rendered: false }
        }
        return attributes
      },
    })
  const linkAllowed = allowedUrl("Link")
  linkSchemes = config.extensions.Link?.schemes ?? linkSchemes
  const imageAllowed = allowedUrl("Image")

  return {
    Link: unwritten(E.Link, "target", "rel", "class").configure({
      enableTarget: false,
      isAllowedUri: (url, context) => linkAllowed(url) && context.defaultValidate(url),
    }),
    Image: E.Image.extend({
      parseHTML() {
        return [{ tag: "img[src]", getAttrs: (element) => (imageAllowed(element.getAttribute("src")) ? null : false) }]
      },
    }),
    Figure: unwritten(E.Figure, "class"),
    Caption: unwritten(E.Caption, "class"),
    OrderedList: unwritten(E.OrderedList, "type").configure({ enableListAttributes: false }),
    TableCell: spannedCell(unwritten(E.TableCell, "align", "colwidth"), config.extensions.TableCell?.spans),
    TableHeader: spannedCell(unwritten(E.TableHeader, "align", "colwidth"), config.extensions.TableHeader?.spans).extend({
      addAttributes() {
        const scopes = config.extensions.TableHeader?.scopes ?? []
        return {
          ...this.parent?.(),
          // Only a scope the sanitizer keeps (col, row, colgroup, rowgroup), as it keeps it.
          scope: {
            default: null,
            parseHTML: (element) => {
              const scope = (element.getAttribute("scope") ?? "").trim().toLowerCase()
              return scopes.includes(scope) ? scope : null
            },
            renderHTML: (attributes) => (attributes.scope ? { scope: attributes.scope } : {}),
          },
        }
      },
      // A <thead>'s cells head their columns, <td> or not (a web page's table).
      parseHTML() {
        return [...(this.parent?.() ?? []), { tag: "thead > tr > td", priority: 60 }]
      },
    }),
    Table: captionedTable(E),
    Signature: E.Extension.create({
      name: "signature",
      addGlobalAttributes() {
        return [
          {
            types: ["paragraph"],
            attributes: {
              signature: {
                default: false,
                parseHTML: (element) => element.classList.contains("signature"),
                renderHTML: (attributes) => (attributes.signature ? { class: "signature" } : {}),
              },
            },
          },
        ]
      },
      addMenuItems({ menu, buttons }) {
        menu.defineItem({
          name: "signature",
          groups: "signature",
          button: buttons.text("落款", LABELS.signature),
          active: (editor) => editor.isActive("paragraph", { signature: true }),
          enabled: (editor) => editor.isActive("paragraph"),
          command: (editor) =>
            editor
              .chain()
              .focus()
              .updateAttributes("paragraph", { signature: !editor.getAttributes("paragraph").signature })
              .run(),
        })
      },
    }),
    // Tab indents a list item and moves between table cells; Escape leaves the editor for the
    // next control, so the keyboard is never trapped (WCAG 2.1.2).
    LeaveWithEscape: E.Extension.create({
      name: "leaveWithEscape",
      addKeyboardShortcuts() {
        return {
          Escape: ({ editor }) => {
            focusAfter(editor.options.element)
            return true
          },
        }
      },
    }),
  }
}

// A cell spans as many columns and rows as the sanitizer keeps (its CELL_SPANS); any other
// value (0, 2.5, "x", past HTML's limit) is one, as the sanitizer drops it.
function spannedCell(extension, limits) {
  return extension.extend({
    addAttributes() {
      const attributes = { ...this.parent?.() }
      for (const [name, limit] of Object.entries(limits ?? {})) {
        attributes[name] = {
          ...attributes[name],
          parseHTML: (element) => {
            const value = (element.getAttribute(name) ?? "").trim()
            return /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= limit ? Number(value) : 1
          },
        }
      }
      return attributes
    },
  })
}

// A row of header cells only, at the top of a table, is one of its header rows.
function isHeaderRow(row) {
  let header = row.childCount > 0
  row.forEach((cell) => {
    header &&= cell.type.name === "tableHeader"
  })
  return header
}

// How many of the first `rows` rows may be the head: a row group ends its cells' rows, so no
// header cell may span past the head; a span past the last row ends there. One pass over the
// cells, as sanitize.py's _head_size (rechecking the whole head per row was quadratic).
function rowsThatFitTheHead(table, rows) {
  let reach = 0
  let fits = 0
  for (let index = 0; index < rows; index += 1) {
    table.child(index).forEach((cell) => {
      reach = Math.max(reach, Math.min(index + (cell.attrs.rowspan ?? 1), table.childCount))
    })
    if (reach <= index + 1) fits = index + 1
  }
  return fits
}

// A table's caption is an attribute of the table (Tiptap's table holds rows only), written as
// <caption>, shown above the table and edited with the toolbar's 表格标题 button.
function captionedTable(E) {
  const captionDialog = E.updateAttrsDialog(
    { caption: { type: "string", title: "表格标题（显示在表格上方，可不填）" } },
    { title: "表格标题", submitText: "确定" },
  )
  const insertDialog = E.updateAttrsDialog(
    {
      rows: { type: "number", title: "行数", format: "number", default: "3", min: "1", max: "100" },
      cols: { type: "number", title: "列数", format: "number", default: "3", min: "1", max: "100" },
      header: { title: "首行作为表头", enum: ["是", "否"], default: "是" },
    },
    { title: "插入表格", submitText: "插入" },
  )
  return E.Table.extend({
    addAttributes() {
      return {
        ...this.parent?.(),
        caption: {
          default: null,
          parseHTML: (element) => element.querySelector(":scope > caption")?.textContent.trim() || null,
          rendered: false,
        },
      }
    },
    parseHTML() {
      return [{ tag: "table" }, { tag: "caption", ignore: true }]
    },
    // The leading header rows are the table's <thead>, each of their cells heading its column
    // (scope="col" unless it has a scope), the other rows its <tbody>: as disclosures/sanitize.py
    // keeps a table, so a screen reader announces the column headers (WCAG 1.3.1).
    renderHTML({ node, HTMLAttributes }) {
      const attributes = E.mergeAttributes(this.options.HTMLAttributes, HTMLAttributes)
      const caption = node.attrs.caption ? [["caption", node.attrs.caption]] : []
      let headRows = 0
      let headSize = 0
      while (headRows < node.childCount && isHeaderRow(node.child(headRows))) headRows += 1
      headRows = rowsThatFitTheHead(node, headRows)
      for (let index = 0; index < headRows; index += 1) headSize += node.child(index).nodeSize
      if (!headRows) return ["table", attributes, ...caption, ["tbody", 0]]
      // A rendering has one hole for the rows, so this one is built whole.
      const table = document.createElement("table")
      for (const [name, value] of Object.entries(attributes)) {
        if (value != null) table.setAttribute(name, value)
      }
      if (node.attrs.caption) table.createCaption().textContent = node.attrs.caption
      const section = (name, from, to) => {
        const element = document.createElement(name)
        element.innerHTML = E.getHTMLFromFragment(node.content.cut(from, to), node.type.schema)
        return table.appendChild(element)
      }
      for (const cell of section("thead", 0, headSize).querySelectorAll(":scope > tr > th:not([scope])")) {
        cell.setAttribute("scope", "col")
      }
      if (headRows < node.childCount) section("tbody", headSize, node.content.size)
      return table
    },
    addNodeView() {
      const createView = this.parent?.()
      if (!createView) return null
      return (props) => {
        const view = createView(props)
        const caption = document.createElement("caption")
        caption.contentEditable = "false"
        const show = (node) => {
          caption.textContent = node.attrs.caption || ""
          caption.hidden = !node.attrs.caption
        }
        show(props.node)
        view.table.prepend(caption)
        const update = view.update.bind(view)
        view.update = (node) => {
          if (!update(node)) return false
          show(node)
          return true
        }
        const ignoreMutation = view.ignoreMutation?.bind(view)
        view.ignoreMutation = (mutation) =>
          caption.contains(mutation.target) || (ignoreMutation ? ignoreMutation(mutation) : false)
        return view
      }
    },
    addCommands() {
      return {
        ...this.parent?.(),
        insertTableWithOptions:
          () =>
          ({ editor }) => {
            insertDialog(editor, { rows: "3", cols: "3", header: "是" }).then((attrs) => {
              if (!attrs) return
              const rows = Number.parseInt(attrs.rows, 10) || 3
              const cols = Number.parseInt(attrs.cols, 10) || 3
              editor.chain().focus().insertTable({ rows, cols, withHeaderRow: attrs.header === "是" }).run()
            })
            return true
          },
        editTableCaption:
          () =>
          ({ editor }) => {
            const current = editor.getAttributes("table").caption || ""
            captionDialog(editor, { caption: current }).then((attrs) => {
              if (attrs) {
                editor
                  .chain()
                  .focus()
                  .updateAttributes("table", { caption: attrs.caption.trim() || null })
                  .run()
              }
            })
            return true
          },
      }
    },
    addMenuItems(storage) {
      this.parent?.(storage)
      storage.menu.defineItem({
        name: "table:caption",
        groups: "table",
        button: storage.buttons.material("title", LABELS["table:caption"]),
        hidden: (editor) => !editor.isActive("table"),
        command: (editor) => editor.commands.editTableCaption(),
      })
    },
  })
}

function createEditor(E, available, textarea) {
  const config = JSON.parse(textarea.dataset.richText)
  const extensions = Object.entries(config.extensions).map(([name, options]) => {
    const extension = available[name]
    if (!extension) throw new Error(`rich text: the editor has no extension ${name}`)
    return options && typeof options === "object" ? extension.configure(options) : extension
  })
  const label = document.querySelector(`label[for="${textarea.id}"]`)
  const name = label ? label.textContent.replace(/[:：]\s*$/, "").trim() : "正文"

  const wrapper = E.crel("div", { className: "prose-editor" })
  textarea.before(wrapper)
  wrapper.append(textarea)
  const keys = E.crel("p", {
    className: "help rich-text-keys",
    id: `${textarea.id}_keys`,
    textContent:
      "工具栏：Tab 进入，左右方向键选择按钮。编辑区：Tab 在列表中缩进、在表格中移到下一格，Esc 离开编辑区。可直接粘贴 Word、WPS 的内容。",
  })
  const status = E.crel("p", { className: "rich-text-status", role: "status" })
  wrapper.after(keys, status)
  const describedBy = [textarea.getAttribute("aria-describedby"), keys.id].filter(Boolean).join(" ")

  const editor = new E.Editor({
    element: wrapper,
    extensions,
    content: textarea.value,
    injectCSS: false,
    editable: !textarea.disabled,
    editorProps: {
      attributes: {
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": name,
        "aria-describedby": describedBy,
      },
      // Before ProseMirror reads the clipboard: Office's markup (inline styles, event
      // handlers) never reaches the page, where the CSP would refuse it.
      handleDOMEvents: { paste: (view, event) => pasteCleaned(view, event, config.clean, () => editor, status) },
    },
    onUpdate({ editor }) {
      const html = editor.getHTML()
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
  })
  textarea.richTextEditor = editor // for the browser tests

  label?.addEventListener("click", (event) => {
    event.preventDefault()
    editor.commands.focus()
  })
  // Tiptap creates the menu on its "create" event, after the constructor returns.
  editor.on("create", () => setTimeout(() => accessibleToolbar(wrapper.querySelector(".prose-menubar"), editor, name)))
  syncAltInputs(document.querySelector(`[data-rich-text-alts="${textarea.id}"]`), editor)
}

// Pasted HTML (Word, WPS, a web page) is cleaned by the server, as a save would clean it, so
// Word's numbered paragraphs arrive as lists; without an answer, the editor's own paste.
function pasteCleaned(view, event, url, getEditor, status) {
  const html = event.clipboardData?.getData("text/html")
  if (!html) return false
  event.preventDefault()
  const token = document.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? ""
  status.textContent = "正在整理粘贴的内容……"
  fetch(url, {
    method: "POST",
    body: new URLSearchParams({ html }),
    headers: { "X-CSRFToken": token },
    credentials: "same-origin",
  })
    .then((response) => {
      if (!response.ok) throw new Error(String(response.status))
      return response.json()
    })
    .then(({ html: cleaned, notes }) => {
      getEditor().chain().focus().insertContent(cleaned).run()
      status.textContent = notes.join(" ")
    })
    .catch(() => {
      view.pasteHTML(html)
      status.textContent = ""
    })
  return true
}

function accessibleToolbar(toolbar, editor, name) {
  if (!toolbar) return
  toolbar.setAttribute("role", "toolbar")
  toolbar.setAttribute("aria-label", `${name}的格式`)
  for (const button of toolbar.querySelectorAll("button[data-name]")) {
    const label = LABELS[button.dataset.name]
    if (label) {
      button.setAttribute("aria-label", label)
      button.title = label
    }
  }
  let current = 0
  const visible = () => [...toolbar.querySelectorAll("button")].filter((button) => !button.classList.contains("hidden"))
  const settle = () => {
    const buttons = visible()
    current = Math.max(0, Math.min(current, buttons.length - 1))
    buttons.forEach((button, index) => {
      button.tabIndex = index === current ? 0 : -1
    })
    for (const button of toolbar.querySelectorAll("button[data-name]")) {
      button.setAttribute("aria-disabled", String(button.classList.contains("disabled")))
      if (TOGGLES.has(button.dataset.name)) {
        button.setAttribute("aria-pressed", String(button.classList.contains("active")))
      }
    }
  }
  toolbar.addEventListener("keydown", (event) => {
    const buttons = visible()
    const index = buttons.indexOf(document.activeElement)
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key]
    if (index < 0 || next === undefined) return
    event.preventDefault()
    current = (next + buttons.length) % buttons.length
    settle()
    buttons[current].focus()
  })
  toolbar.addEventListener("focusin", (event) => {
    const index = visible().indexOf(event.target)
    if (index >= 0) {
      current = index
      settle()
    }
  })
  editor.on("transaction", settle)
  // The menu marks a button disabled or active by its class, at times without a transaction
  // (when the view first updates): each change is told to assistive technology as it happens.
  new MutationObserver(settle).observe(toolbar, { subtree: true, attributes: true, attributeFilter: ["class"] })
  settle()
}

// The 图片替代文字 inputs beside the editor and the images' alt attributes stay the same.
function syncAltInputs(panel, editor) {
  if (!panel) return
  const inputs = () => panel.querySelectorAll("input[data-src]")
  panel.addEventListener("input", (event) => {
    const input = event.target.closest("input[data-src]")
    if (!input) return
    const { state } = editor
    const tr = state.tr
    state.doc.descendants((node, pos) => {
      if (node.type.name === "image" && node.attrs.src === input.dataset.src) {
        tr.setNodeMarkup(pos, undefined, { ...node.attrs, alt: input.value.trim() || null })
      }
    })
    if (tr.docChanged) editor.view.dispatch(tr)
  })
  editor.on("update", () => {
    for (const input of inputs()) {
      if (input === document.activeElement) continue
      let alt
      editor.state.doc.descendants((node) => {
        if (alt === undefined && node.type.name === "image" && node.attrs.src === input.dataset.src) {
          alt = node.attrs.alt || ""
        }
      })
      if (alt !== undefined) input.value = alt
    }
  })
}

function focusAfter(element) {
  for (const candidate of document.querySelectorAll(FOCUSABLE)) {
    if (
      !element.contains(candidate) &&
      element.compareDocumentPosition(candidate) & Node.DOCUMENT_POSITION_FOLLOWING &&
      candidate.getClientRects().length
    ) {
      candidate.focus()
      return
    }
  }
}

// The link dialog's address: a scheme the sanitizer drops (javascript:, ftp:) used to become an
// empty link, and "www.gov.cn" a relative one that leads nowhere; the dialog now says so
// beside the field and keeps it open (its OK button checks the form's validity).

function linkProblem(url) {
  const value = (url ?? "").trim()
  if (!value || value.startsWith("/") || value.startsWith("#")) return ""
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)
  if (scheme && linkSchemes.includes(scheme[1].toLowerCase()) && value.length > scheme[0].length) return ""
  if (scheme && !/^\d/.test(value.slice(scheme[0].length))) {
    return `不能使用“${scheme[1]}:”开头的地址：请填写 https:// 开头的网址，或以 / 开头的本站地址。`
  }
  return "请填写完整的网址，以 https:// 或 http:// 开头（如 https://www.gov.cn）；本站页面以 / 开头。"
}

document.addEventListener(
  "input",
  (event) => {
    const input = event.target
    if (input.matches?.("dialog.prose-editor-dialog input[name=href]")) input.setCustomValidity(linkProblem(input.value))
  },
  true,
)
