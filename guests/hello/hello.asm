; hello: the smallest popek guest, and the default job of a fresh checkout.
;
; A flat binary for 32-bit protected mode, loaded and entered at 0x100000
; (the defaults of `popek run`). It prints one line on the debug console
; (port 0xE9) and writes 0 to the debug-exit port (0xF4): `popek run` then
; exits with status 0 (1 under --exit-status qemu, as QEMU would).
;
; Build: nasm -f bin -o hello.bin hello.asm   (scripts/build-guests.sh)

bits 32
org 0x100000

DEBUGCON  equ 0xe9
DEBUGEXIT equ 0xf4

start:
        mov esi, message
        mov ecx, message_len
        mov dx, DEBUGCON
.next:  mov al, [esi]
        out dx, al
        inc esi
        dec ecx
        jnz .next

        xor eax, eax
        out DEBUGEXIT, al       ; ends the run with exit value 0
        ; Without a debug-exit device the write does nothing: stop for good.
        cli
.stop:  hlt
        jmp .stop

message:     db "Hello from popek", 10
message_len  equ $ - message
