@echo off
rem Removes the program and its shortcuts; the data in %LOCALAPPDATA%\Yichuang stays.
rem ASCII on purpose (see install.cmd). Every "*Yichuang.lnk" goes, so a
rem shortcut an older install.cmd named in a garbled code page goes too.
taskkill /im Yichuang.exe /f >nul 2>&1
powershell -NoProfile -ExecutionPolicy Bypass -Command ^
  "foreach ($d in @([Environment]::GetFolderPath('Programs'), [Environment]::GetFolderPath('Startup'))) {" ^
  "  Get-ChildItem -LiteralPath $d -Filter '*Yichuang.lnk' -ErrorAction SilentlyContinue | Remove-Item -Force }"
rmdir /s /q "%LOCALAPPDATA%\Programs\Yichuang" 2>nul
echo Removed. The data in %LOCALAPPDATA%\Yichuang was kept.
