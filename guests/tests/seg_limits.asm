; seg_limits: segment limit and type checks on every access (SDM vol. 3
; 5.3, 5.5; vol. 2 "Protected Mode Exceptions" of each instruction):
; real-mode 64 KiB limits (and their absence in unreal mode), expand-up and
; expand-down data segments with byte/4 KiB granularity and 16/32-bit upper
; bounds (B bit), byte/word/dword accesses at and straddling the limit,
; #SS(0) for stack accesses (explicit SS, EBP-based, push/pop at ring 3
; with 32- and 16-bit expand-down stacks), read-only data writes,
; execute-only code reads through CS, writes through CS, CS limit on far
; jmp / near jmp / sequential fetch, and a REP string instruction stopping
; at the limit with ECX/ESI of the faulting iteration.
;
; QEMU 7.2 (TCG) checks none of these on data accesses or instruction fetch
; (only far transfers check the CS limit), so the reference transcript is
; bochs' and QEMU's is kept as seg_limits.qemu.txt.
; area: segmentation, limit and type checks
; reference: bochs

%define KERNEL_NAME "seg_limits"
%define REAL_MAIN
%include "lib/kernel.inc"

S_EU    equ 0x68                    ; expand-up RW, base SCRATCH, limit 0FFF byte-granular
S_EUG   equ 0x70                    ; expand-up RW, base SCRATCH, limit field 1, G=1 -> 1FFF
S_ED32  equ 0x78                    ; expand-down RW, base SCRATCH, limit 0FFF, B=1
S_ED16  equ 0x80                    ; expand-down RW, base SCRATCH, limit 0FFF, B=0
S_RO    equ 0x88                    ; read-only, base SCRATCH, limit 0FFF
S_XO    equ 0x90                    ; execute-only code, flat, 32-bit
S_CLIM  equ 0x98                    ; exec/read code, base ROM_BASE, limit R(lim_last)
S_SS0   equ 0xA0                    ; expand-up RW, base 0, limit 7FFF (ring-0 stack)
S_SS3D  equ 0xA8                    ; DPL 3 expand-down, base 0, limit BF00, B=1
S_SS3W  equ 0xB0                    ; DPL 3 expand-down, base 0, limit BF00, B=0
S_SS3U  equ 0xB8                    ; DPL 3 expand-up, base 0, limit BFFF
S_EDG   equ 0xC0                    ; expand-down RW, base SCRATCH, limit field 1, G=1, B=1

        bits 16
main16:
        ; ---------------------------------------------------------- real mode
        PRINT "real: word at ds:fffe: "
        TRY
        mov ax, [0xFFFE]
        ENDTRY
        PRINT "real: word at ds:ffff: "
        TRY
        mov ax, [0xFFFF]
        ENDTRY
        PRINT "real: byte at ds:[esi=00010000]: "
        TRY
        mov esi, 0x10000
        mov al, [esi]
        ENDTRY
        PRINT "real: word at ss:[bp=ffff]: "
        TRY
        mov bp, 0xFFFF
        mov ax, [bp]
        ENDTRY
        REAL_TO_PM32
        call pm_init32
        PM32_TO_REAL keep
        PRINT "unreal: byte at ds:[esi=00100000]: "
        TRY
        mov esi, HIGH_MEM
        mov al, [esi]
        ENDTRY
        REAL_TO_PM32
        PM32_TO_REAL
        PRINT "real again: byte at ds:[esi=00100000]: "
        TRY
        mov esi, HIGH_MEM
        mov al, [esi]
        ENDTRY
        REAL_TO_PM32

        SETDESC S_EU,   SCRATCH, 0x0FFF, ACC_P | ACC_DATA | ACC_W, FLG_DB
        SETDESC S_EUG,  SCRATCH, 0x00001, ACC_P | ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETDESC S_ED32, SCRATCH, 0x0FFF, ACC_P | ACC_DATA | ACC_W | ACC_E, FLG_DB
        SETDESC S_ED16, SCRATCH, 0x0FFF, ACC_P | ACC_DATA | ACC_W | ACC_E, 0
        SETDESC S_EDG,  SCRATCH, 0x00001, ACC_P | ACC_DATA | ACC_W | ACC_E, FLG_G | FLG_DB
        SETDESC S_RO,   SCRATCH, 0x0FFF, ACC_P | ACC_DATA, FLG_DB
        SETDESC S_XO,   0, 0xFFFFF, ACC_P | ACC_CODE, FLG_G | FLG_DB
        SETDESC S_CLIM, ROM_BASE, R(lim_last), ACC_P | ACC_CODE | ACC_R, FLG_DB
        SETDESC S_SS0,  0, 0x7FFF, ACC_P | ACC_DATA | ACC_W, FLG_DB
        SETDESC S_SS3D, 0, 0xBF00, ACC_P | ACC_DPL(3) | ACC_DATA | ACC_W | ACC_E, FLG_DB
        SETDESC S_SS3W, 0, 0xBF00, ACC_P | ACC_DPL(3) | ACC_DATA | ACC_W | ACC_E, 0
        SETDESC S_SS3U, 0, 0xBFFF, ACC_P | ACC_DPL(3) | ACC_DATA | ACC_W, FLG_DB

; CHECK "text", selector, access: load FS, run one access inside a TRY
%macro CHECK 3
        PRINT %1
        TRY
        mov eax, %2
        mov fs, ax
        %3
        ENDTRY
%endmacro

        ; ---------------------------------------------------------- expand-up
        CHECK "eu limit 0fff: byte [0fff]: ", S_EU, {mov al, [fs:0xFFF]}
        CHECK "eu limit 0fff: byte [1000]: ", S_EU, {mov al, [fs:0x1000]}
        CHECK "eu limit 0fff: word [0ffe]: ", S_EU, {mov ax, [fs:0xFFE]}
        CHECK "eu limit 0fff: word [0fff]: ", S_EU, {mov ax, [fs:0xFFF]}
        CHECK "eu limit 0fff: dword [0ffc]: ", S_EU, {mov eax, [fs:0xFFC]}
        CHECK "eu limit 0fff: dword [0ffd]: ", S_EU, {mov eax, [fs:0xFFD]}
        CHECK "eu limit 0fff: dword write [0ffe]: ", S_EU, {mov dword [fs:0xFFE], 0}
        CHECK "eu limit 0fff: dword [ffffffff]: ", S_EU, {mov eax, [fs:0xFFFFFFFF]}
        CHECK "eu g=1 limit 1fff: dword [1ffc]: ", S_EUG, {mov eax, [fs:0x1FFC]}
        CHECK "eu g=1 limit 1fff: word [1fff]: ", S_EUG, {mov ax, [fs:0x1FFF]}
        CHECK "eu g=1 limit 1fff: byte [2000]: ", S_EUG, {mov al, [fs:0x2000]}

        ; ---------------------------------------------------------- expand-down
        CHECK "ed32 limit 0fff: byte [1000]: ", S_ED32, {mov al, [fs:0x1000]}
        CHECK "ed32 limit 0fff: byte [0fff]: ", S_ED32, {mov al, [fs:0xFFF]}
        CHECK "ed32 limit 0fff: word [0fff]: ", S_ED32, {mov ax, [fs:0xFFF]}
        CHECK "ed32 limit 0fff: byte [0000]: ", S_ED32, {mov al, [fs:0]}
        CHECK "ed32 limit 0fff: dword [fffffffc]: ", S_ED32, {mov eax, [fs:0xFFFFFFFC]}
        CHECK "ed32 limit 0fff: dword [fffffffd]: ", S_ED32, {mov eax, [fs:0xFFFFFFFD]}
        CHECK "ed32 limit 0fff: byte [00010000]: ", S_ED32, {mov al, [fs:0x10000]}
        CHECK "ed16 limit 0fff: byte [ffff]: ", S_ED16, {mov al, [fs:0xFFFF]}
        CHECK "ed16 limit 0fff: word [fffe]: ", S_ED16, {mov ax, [fs:0xFFFE]}
        CHECK "ed16 limit 0fff: word [ffff]: ", S_ED16, {mov ax, [fs:0xFFFF]}
        CHECK "ed16 limit 0fff: byte [00010000]: ", S_ED16, {mov al, [fs:0x10000]}
        CHECK "ed16 limit 0fff: byte [1000]: ", S_ED16, {mov al, [fs:0x1000]}
        CHECK "ed16 limit 0fff: byte [0fff]: ", S_ED16, {mov al, [fs:0xFFF]}
        CHECK "ed g=1 limit 1fff: byte [2000]: ", S_EDG, {mov al, [fs:0x2000]}
        CHECK "ed g=1 limit 1fff: byte [1fff]: ", S_EDG, {mov al, [fs:0x1FFF]}
        CHECK "ed g=1 limit 1fff: dword [1ffe]: ", S_EDG, {mov eax, [fs:0x1FFE]}

        ; ---------------------------------------------------------- types
        CHECK "read-only: read [0000]: ", S_RO, {mov al, [fs:0]}
        CHECK "read-only: write [0000]: ", S_RO, {mov byte [fs:0], 1}
        CHECK "read-only: inc [0000]: ", S_RO, {inc byte [fs:0]}
        PRINT "execute-only cs: read [cs:SCRATCH]: "
        TRY
        jmp S_XO:.xo
.xo:    mov eax, [cs:SCRATCH]
        jmp SEL_CODE32:.xo_back
.xo_back:
        ENDTRY
        PRINT "execute-only cs: execute: "
        TRY
        jmp S_XO:.xo2
.xo2:   nop
        jmp SEL_CODE32:.xo2_back
.xo2_back:
        ENDTRY
        PRINT "readable cs: read [cs:SCRATCH]: "
        TRY
        mov eax, [cs:SCRATCH]
        ENDTRY
        PRINT "readable cs: write [cs:SCRATCH]: "
        TRY
        mov [cs:SCRATCH], eax
        ENDTRY

        ; ---------------------------------------------------------- stack (ring 0)
        PRINT "ss limit 7fff: dword [ebp=7ffc]: "
        TRY
        mov eax, S_SS0
        mov ss, ax
        mov ebp, 0x7FFC
        mov eax, [ebp]
        mov ebx, SEL_DATA32
        mov ss, bx
        ENDTRY
        PRINT "ss limit 7fff: dword [ebp=7ffd]: "
        TRY
        mov eax, S_SS0
        mov ss, ax
        mov ebp, 0x7FFD
        mov eax, [ebp]
        ENDTRY
        PRINT "ss limit 7fff: byte [ss:8000]: "
        TRY
        mov eax, S_SS0
        mov ss, ax
        mov al, [ss:0x8000]
        ENDTRY
        PRINT "ds limit 0fff: byte [ds:ebp=1000]: "
        TRY
        mov eax, S_EU
        mov ds, ax
        mov ebp, 0x1000
        mov al, [ds:ebp]
        ENDTRY

        ; ---------------------------------------------------------- stack (ring 3)
        R3BEGIN "cpl3 ss ed32 limit bf00, esp bf08: push, push: "
        mov eax, S_SS3D | 3
        mov ss, ax
        mov esp, 0xBF08
        push eax
        push eax
        R3END
        R3BEGIN "cpl3 ss ed16 limit bf00, sp bf08: push, push: "
        mov eax, S_SS3W | 3
        mov ss, ax
        mov esp, 0xBF08
        push eax
        push eax
        R3END
        R3BEGIN "cpl3 ss ed16: pop dword at sp=fffe: "
        mov eax, S_SS3W | 3
        mov ss, ax
        mov esp, 0xFFFE
        pop eax
        R3END
        R3BEGIN "cpl3 ss ed16: pop dword at sp=fffc: "
        mov eax, S_SS3W | 3
        mov ss, ax
        mov esp, 0xFFFC
        pop eax
        R3END
        R3BEGIN "cpl3 ss eu limit bfff: pop dword at esp=bffe: "
        mov eax, S_SS3U | 3
        mov ss, ax
        mov esp, 0xBFFE
        pop eax
        R3END

        ; ---------------------------------------------------------- code limit
        PRINT "cs limit: far jmp beyond the limit: "
        TRY
        jmp S_CLIM:R(lim_last) + 1
        ENDTRY
        PRINT "cs limit: near jmp beyond the limit: "
        TRY
        mov dword [try_base], R(lim_code)   ; EIPs in S_CLIM are offsets from ROM_BASE
        mov dword [try_name], str_lim
        jmp S_CLIM:R(lim_code)
        ENDTRY
        PRINT "cs limit: instruction crossing the limit: "
        TRY
        mov dword [try_base], R(lim_code)
        mov dword [try_name], str_lim
        jmp S_CLIM:R(lim_run)
        ENDTRY
        section .rodata
str_lim: db "lim_code", 0
        section .text

        ; ---------------------------------------------------------- rep string
        HOOK hook_string
        PRINT "rep lodsb from ds:0ffc, ecx=8, limit 0fff: "
        TRY
        mov eax, S_EU
        mov ds, ax
        mov esi, 0xFFC
        mov ecx, 8
        rep lodsb
        ENDTRY
        PRINT "rep stosw to es:0ff8, ecx=8, limit 0fff: "
        TRY
        mov eax, S_EU
        mov es, ax
        xor esi, esi
        mov edi, 0xFF8
        mov ecx, 8
        rep stosw
        ENDTRY
        HOOK 0
        EXIT 0

hook_string:
        PKV32 "  at the fault: ecx=", [ss:ebp + FRAME.ecx]
        PKV32 " esi=", [ss:ebp + FRAME.esi]
        PKV32 " edi=", [ss:ebp + FRAME.edi]
        PRINTLN
        xor eax, eax
        ret

; code run through S_CLIM (base ROM_BASE, limit R(lim_last)): offsets are R().
; Where the limit is not enforced (QEMU), execution lands on lim_beyond and
; leaves through VEC_RETURN, which reads as "ok".
        bits 32
lim_code:
        mov eax, R(lim_beyond)
        jmp eax                     ; beyond the limit: #GP(0) here
lim_run:
        nop
lim_last:
        jmp short lim_beyond        ; EB 00: only the opcode byte is inside the limit
lim_beyond:
        jmp SEL_CODE32:lim_escaped
lim_escaped:
        RING3_DONE

%include "lib/tail.inc"
