-- Headless Neovim as a real grok-lsp client; driven by tests/editors/neovim.sh.
--
--   nvim --headless --clean -u NONE -c "luafile neovim_e2e.lua"
--
-- Environment:
--   GROK_FILE          the file to edit; its last line is being typed, its first line is
--                      `import os`, which gets a ruff-style F401 diagnostic
--   GROK_MODE          "items": completion items, through 'omnifunc' (CTRL-X CTRL-O, CTRL-Y);
--                      "inline": 0.12's ghost text, accepted with vim.lsp.inline_completion.get()
--   GROK_BLOCK_LINE    optional, 1-based: a `def ...:` line to complete as well (a block)
--   GROK_CMD, GROK_LOG the grok-lsp executable and its log file, for the client started here
--   GROK_CONFIG        instead: a user's init.lua (the README's block) that configures grok-lsp;
--                      then `<Tab>` accepts and `<leader>gf` asks for "Grok: fix", as it maps them
-- The server finds the emulator through GROK_LSP_BASE_URL and XAI_API_KEY, inherited.
--
-- Everything printed starts with "nvim: " so the shell script can find it; the file is written
-- with :write at the end, and the script checks its content. Exit code 0 on success, 1 on a
-- failed step (the message says which).

local api = vim.api
local mode = os.getenv('GROK_MODE') or 'items'
local file = assert(os.getenv('GROK_FILE'), 'GROK_FILE is not set')
local config_file = os.getenv('GROK_CONFIG') ~= '' and os.getenv('GROK_CONFIG') or nil
local block_line = tonumber(os.getenv('GROK_BLOCK_LINE') or '')
local has_012 = vim.fn.has('nvim-0.12') == 1
local has_010 = vim.fn.has('nvim-0.10') == 1

local steps = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/steps.lua')
local say, wait_for = steps.say, steps.wait_for

local function encode(value)
  return vim.fn.json_encode(value)
end

-- Code units of a line prefix in the negotiated encoding, counted here from the UTF-8 bytes
-- (no Neovim helper has the same signature in 0.7 and 0.12).
local function units(text, encoding)
  if encoding == 'utf-8' then
    return #text
  end
  local count, i = 0, 1
  while i <= #text do
    local byte = text:byte(i)
    local width = byte >= 0xF0 and 4 or byte >= 0xE0 and 3 or byte >= 0xC0 and 2 or 1
    count = count + ((encoding == 'utf-16' and width == 4) and 2 or 1)
    i = i + width
  end
  return count
end

local function request_sync(client, buf, method, params)
  local responses = vim.lsp.buf_request_sync(buf, method, params, 10000)
  local response = responses and responses[client.id]
  if not response then
    error(method .. ': no answer within 10 s', 0)
  end
  if response.err then
    error(method .. ': ' .. encode(response.err), 0)
  end
  return response.result
end

-- grok-lsp started by this script, for the buffer.
local function start(buf)
  local cmd = { (assert(os.getenv('GROK_CMD'), 'GROK_CMD is not set')) }
  if os.getenv('GROK_LOG') then
    vim.list_extend(cmd, { '--log-level', 'INFO', '--log-file', os.getenv('GROK_LOG') })
  end
  local config = {
    name = 'grok',
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(file, ':p:h'),
    init_options = { grok = { completion = { debounceMs = 0 } } },
    settings = { grok = { completion = { debounceMs = 0 } } },
  }
  if mode == 'items' and has_012 then
    -- 0.12 advertises inline completion, and grok-lsp then leaves the popup to ghost text;
    -- take the capability away (null) to get completion items, as the README says.
    config.capabilities = { textDocument = { inlineCompletion = vim.NIL } }
  end
  local id
  if vim.lsp.start then -- 0.8+
    id = vim.lsp.start(config, { bufnr = buf })
  else -- 0.7
    id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(buf, id)
  end
  return wait_for('grok-lsp to initialize', function()
    local client = vim.lsp.get_client_by_id(id)
    return client and client.initialized and client
  end)
end

-- grok-lsp as the user's config (the README's block) starts it, on FileType.
local function configured(buf)
  return wait_for('grok-lsp from the config to attach', function()
    local client = vim.lsp.get_clients({ bufnr = buf, name = 'grok' })[1]
    return client and client.initialized and client
  end)
end

local function show_items(result)
  local items = result and (result.items or result) or {}
  say('completion: isIncomplete=' .. tostring(result and result.isIncomplete) .. ' items=' .. #items)
  local function at(position)
    return position and (position.line .. ':' .. position.character) or '?'
  end
  for _, item in ipairs(items) do
    local edit = item.textEdit or {}
    local range = edit.range or {}
    local documentation = item.documentation
    if type(documentation) == 'table' then
      documentation = documentation.kind .. ':' .. documentation.value
    end
    say('item: label=' .. encode(item.label) .. ' detail=' .. encode(item.detail))
    say('item: filterText=' .. encode(item.filterText) .. ' sortText=' .. encode(item.sortText)
      .. ' insertTextFormat=' .. tostring(item.insertTextFormat))
    say('item: textEdit ' .. at(range.start) .. '-' .. at(range['end'])
      .. ' newText=' .. encode(edit.newText))
    say('item: documentation=' .. encode(documentation))
  end
  return items
end

local function popup_completion(client, buf, line)
  vim.bo[buf].omnifunc = 'v:lua.vim.lsp.omnifunc'
  if vim.lsp.completion then
    -- 0.11+: the built-in completion, as `:h lsp-completion` sets it up; CTRL-X CTRL-O goes
    -- through it, and it expands a snippet item on CompleteDone.
    vim.lsp.completion.enable(true, client.id, buf)
  end
  api.nvim_win_set_cursor(0, { line, 0 })
  api.nvim_input('A<C-x><C-o>')
  -- Headless, no UI draws the menu (pum_visible stays 0), but insert-completion is active with
  -- its matches, the first one selected and inserted, exactly as under a UI.
  local info = wait_for('the completion popup', function()
    local i = vim.fn.complete_info({ 'mode', 'items', 'selected' })
    return i.mode ~= '' and #i.items > 0 and i
  end)
  say('popup: mode=' .. info.mode .. ' selected=' .. info.selected .. ' matches=' .. #info.items)
  for _, entry in ipairs(info.items) do
    say('popup: word=' .. encode(entry.word) .. ' abbr=' .. encode(entry.abbr)
      .. ' menu=' .. encode(entry.menu))
  end
  api.nvim_input('<C-y><Esc>')
  wait_for('normal mode', function()
    return api.nvim_get_mode().mode == 'n'
  end)
end

local function ghost_text(buf, line)
  if not config_file then
    vim.lsp.inline_completion.enable(true, { bufnr = buf })
  end -- else the config's LspAttach did
  local namespace = api.nvim_create_namespace('nvim.lsp.inline_completion')
  -- Type the line's last character again: grok-lsp asks the model automatically only once
  -- something was typed (opening a file, or entering insert mode, costs nothing).
  api.nvim_win_set_cursor(0, { line, 0 })
  local before = api.nvim_buf_line_count(buf)
  api.nvim_input('A<BS>' .. api.nvim_get_current_line():sub(-1))
  local function ghost() -- the suggestion shown, without the " (2/2)" of a cycled one
    local marks = api.nvim_buf_get_extmarks(buf, namespace, 0, -1, { details = true })
    for _, mark in ipairs(marks) do
      local lines = {}
      for _, virtual in ipairs({ mark[4].virt_text or {}, unpack(mark[4].virt_lines or {}) }) do
        local text = {}
        for _, chunk in ipairs(virtual) do
          if chunk[2] ~= 'ComplHintMore' then
            table.insert(text, chunk[1])
          end
        end
        table.insert(lines, table.concat(text))
      end
      local text = table.concat(lines, '\n')
      if text ~= '' then
        return text
      end
    end
  end
  local shown = wait_for('ghost text', ghost)
  say('ghost text: ' .. encode(shown))
  if config_file and select(2, shown:gsub('\n', '')) > 1 then -- a block: cycle, as the README maps it
    api.nvim_input('<M-]>')
    say('cycled to: ' .. encode(wait_for('<M-]> to show the alternative', function()
      local now = ghost()
      return now ~= shown and now
    end)))
    api.nvim_input('<M-[>')
    say('cycled back to: ' .. encode(wait_for('<M-[> to show the block again', function()
      return ghost() == shown and shown
    end)))
  end
  if config_file then
    api.nvim_input('<Tab>') -- the config's mapping
  elseif not vim.lsp.inline_completion.get() then
    error('inline_completion.get() had nothing to accept', 0)
  end
  local added = select(2, shown:gsub('\n', ''))
  wait_for('the suggestion to be inserted', function()
    return #api.nvim_buf_get_extmarks(buf, namespace, 0, -1, {}) == 0
      and api.nvim_buf_line_count(buf) == before + added
      and api.nvim_buf_get_lines(buf, line + added - 1, line + added, false)[1]
        :find(vim.split(shown, '\n')[added + 1], 1, true)
  end)
  api.nvim_input('<Esc>')
  wait_for('normal mode', function()
    return api.nvim_get_mode().mode == 'n'
  end)
end

-- LSP diagnostics for a line, from every source (grok-lsp's "Grok: fix" is for other tools'
-- diagnostics). Neovim 0.7's vim.lsp.buf.code_action() collects these itself; 0.10+ sends only
-- the asking client's own, so a mapping passes them, as the README's does.
local function line_diagnostics(buf, lnum)
  return vim.tbl_map(function(d)
    return {
      range = {
        start = { line = d.lnum, character = d.col },
        ['end'] = { line = d.end_lnum, character = d.end_col },
      },
      severity = d.severity,
      message = d.message,
      source = d.source,
      code = d.code,
    }
  end, vim.diagnostic.get(buf, { lnum = lnum }))
end

local function code_action(buf)
  -- A linter's diagnostic on line 1, `import os`, set as if ruff had published it.
  local text = api.nvim_buf_get_lines(buf, 0, 1, false)[1]
  vim.diagnostic.set(api.nvim_create_namespace('fake-ruff'), buf, {
    {
      lnum = 0,
      col = 0,
      end_lnum = 0,
      end_col = #text,
      severity = vim.diagnostic.severity.WARN,
      source = 'Ruff',
      code = 'F401',
      message = '`os` imported but unused',
    },
  })
  local chosen, nothing
  vim.notify = function(message) -- "No code actions available" and the like
    say('notify: ' .. tostring(message))
    nothing = nothing or tostring(message):find('No code actions') ~= nil
  end
  vim.ui.select = function(items, _, on_choice) -- the user picks the first "Grok: fix"
    for index, item in ipairs(items) do
      local action = item.action or item[2] -- 0.10+: {action=, ctx=}; 0.7: {client_id, action}
      say('code action offered: ' .. action.title)
      if not chosen and action.title:find('^Grok: fix') then
        chosen = index
      end
    end
    if chosen then
      say('code action chosen: ' .. (items[chosen].action or items[chosen][2]).title)
    end
    on_choice(chosen and items[chosen], chosen)
  end
  local before = api.nvim_buf_get_lines(buf, 0, -1, false)
  api.nvim_win_set_cursor(0, { 1, 0 })
  if config_file then
    api.nvim_input('\\gf') -- the config's <leader>gf
  elseif has_010 then
    vim.lsp.buf.code_action({ context = { diagnostics = line_diagnostics(buf, 0) } })
  else
    vim.lsp.buf.code_action()
  end
  local outcome = wait_for("the code action's edit", function()
    if nothing then
      return 'none'
    end
    return not vim.deep_equal(api.nvim_buf_get_lines(buf, 0, -1, false), before) and 'edited'
  end, 30000)
  if outcome == 'none' then
    error('Neovim found no code actions', 0)
  end
  say('line 1 after the code action: ' .. encode(api.nvim_buf_get_lines(buf, 0, 1, false)[1]))
end

local function main()
  if config_file then
    dofile(config_file)
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'python' -- no filetype detection under -u NONE
  local client = config_file and configured(buf) or start(buf)
  say(vim.split(vim.fn.execute('version'), '\n', { trimempty = true })[1]
    .. ', offset_encoding=' .. client.offset_encoding .. ', mode=' .. mode
    .. (config_file and ', config=README' or ''))
  local last = api.nvim_buf_line_count(buf)
  local text = api.nvim_buf_get_lines(buf, last - 1, last, false)[1]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = last - 1, character = units(text, client.offset_encoding) },
    context = { triggerKind = 1 },
  }
  local items = show_items(request_sync(client, buf, 'textDocument/completion', params))
  if mode == 'inline' and #items ~= 0 then
    error('a client with inline completion got completion items too', 0)
  end
  local function complete_at(line)
    if mode == 'inline' then
      ghost_text(buf, line)
    else
      popup_completion(client, buf, line)
    end
  end
  complete_at(last)
  say('line after accepting: ' .. api.nvim_buf_get_lines(buf, last - 1, last, false)[1])
  if block_line then
    -- A block after `def ...:` inside a class: several lines, indented relative to the cursor
    -- line (a snippet) or absolutely (plain text, ghost text).
    complete_at(block_line)
    for _, text in ipairs(api.nvim_buf_get_lines(buf, block_line - 1, block_line + 2, false)) do
      say('block after accepting: ' .. text)
    end
  end
  if mode == 'inline' then
    -- Neovim runs each accepted item's command; the server counts them.
    local accepted = wait_for('grok/stats to count the acceptances', function()
      local stats = request_sync(client, buf, 'grok/stats', {})
      return stats.accepted >= (block_line and 2 or 1) and stats.accepted
    end)
    say('grok/stats: accepted=' .. accepted)
  end
  code_action(buf)
  vim.cmd('write')
  say('wrote ' .. file)
  steps.stop(client)
end

steps.run(main)
