-- Headless Neovim 0.12 with copilot-lsp.nvim as grok-lsp's next-edit client; driven by
-- tests/editors/neovim.sh.
--
--   nvim --headless --clean -u NONE -c "luafile neovim_nes.lua"
--
-- Environment:
--   GROK_FILE      the file to edit: `def amount(...)` on line 1, `amount` used on lines 5 and 6
--   GROK_CONFIG    the user's init.lua: the README's Neovim block and its next-edit block
--   COPILOT_LSP    the copilot-lsp.nvim checkout, put on 'runtimepath' as a plugin manager would
-- The server finds the emulator through GROK_LSP_BASE_URL and XAI_API_KEY, inherited.
--
-- Steps: rename the definition with `ciw` in Normal mode; wait for the plugin to show grok-lsp's
-- next edit; `<Tab>` to jump there, `<Tab>` to apply it; again for the second occurrence; then
-- :write. Everything printed starts with "nvim: " (steps.lua); exit code 0 on success.

local api = vim.api
local steps = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/steps.lua')
local say, wait_for = steps.say, steps.wait_for

local function keys(typed)
  api.nvim_feedkeys(api.nvim_replace_termcodes(typed, true, false, true), 'mx', false)
end

-- One suggestion shown, then <Tab> to its start and <Tab> to apply it; says what the line became.
local function take_suggestion(buf)
  local state = wait_for('a next edit shown', function()
    return vim.b[buf].nes_state
  end, 20000)
  local range = state.range
  say(
    string.format(
      'next edit shown: %d:%d-%d:%d %s version=%d',
      range.start.line,
      range.start.character,
      range['end'].line,
      range['end'].character,
      vim.fn.json_encode(state.text),
      state.textDocument.version
    )
  )
  keys('<Tab>')
  wait_for('the cursor at the edit', function()
    return api.nvim_win_get_cursor(0)[1] - 1 == range.start.line
  end)
  keys('<Tab>')
  local line = wait_for('the edit applied', function()
    if vim.b[buf].nes_state then
      return nil
    end
    return api.nvim_buf_get_lines(buf, range.start.line, range.start.line + 1, false)[1]
  end)
  say('line ' .. (range.start.line + 1) .. ' after <Tab> <Tab>: ' .. line)
end

local function main()
  local plugin = assert(os.getenv('COPILOT_LSP'), 'COPILOT_LSP is not set')
  local config = assert(os.getenv('GROK_CONFIG'), 'GROK_CONFIG is not set')
  local file = assert(os.getenv('GROK_FILE'), 'GROK_FILE is not set')
  vim.opt.runtimepath:prepend(plugin)
  dofile(config)
  vim.cmd.edit(vim.fn.fnameescape(file))
  local buf = api.nvim_get_current_buf()
  local client = wait_for('grok-lsp to attach', function()
    return vim.lsp.get_clients({ bufnr = buf, name = 'grok' })[1]
  end)
  say('attached: ' .. client.name)
  api.nvim_win_set_cursor(0, { 1, 5 }) -- on `amount` in `def amount(items):`
  keys('ciwtotal<Esc>')
  say('line 1 after ciw: ' .. api.nvim_buf_get_lines(buf, 0, 1, false)[1])
  take_suggestion(buf)
  take_suggestion(buf)
  local stats = client:request_sync('grok/stats', {}, 5000, buf)
  local next_edit = assert(stats and stats.result, 'no grok/stats answer').nextEdit
  say(string.format('grok/stats nextEdit: offered=%d shown=%d', next_edit.offered, next_edit.shown))
  vim.cmd.write()
  steps.stop(client)
end

steps.run(main)
