; cpuloop: a CPU-bound guest for the interpreter benchmark (npm run bench).
;
; A loop of ITERATIONS rounds of twelve instructions (loads, stores, ALU,
; a rotate and a branch) over a 16-entry table, then the checksum
; eax ^ edi printed as 8 hex digits and a newline on the debug console
; (port 0xE9), then exit value 0 on the debug-exit port (0xF4).
;
; Flat 32-bit protected mode at 0x100000 (popek run's defaults). The count
; is the dword at offset 4, so tests can patch a small one. Instructions
; retired: 12 * ITERATIONS + 69, whatever the checksum.
;
; Build: nasm -f bin -o cpuloop.bin cpuloop.asm   (scripts/build-guests.sh)

bits 32
org 0x100000

ITERATIONS equ 4000000
DEBUGCON   equ 0xe9
DEBUGEXIT  equ 0xf4

start:
        jmp short main                  ; 1 instruction
        align 4, db 0
iterations:
        dd ITERATIONS                   ; at offset 4

main:                                   ; 5 instructions
        mov ecx, [iterations]
        mov esi, table
        xor eax, eax
        xor ebx, ebx
        mov edi, 0x9e3779b9

.loop:                                  ; 12 instructions per iteration
        mov edx, [esi + ebx*4]
        add edx, eax
        xor edx, ecx
        mov [esi + ebx*4], edx
        lea eax, [eax + edx*2 + 1]
        rol eax, 5
        sub eax, ebx
        add edi, edx
        inc ebx
        and ebx, 15
        dec ecx
        jnz .loop

        xor eax, edi                    ; 3 instructions
        mov ebx, eax
        mov ecx, 8
.digit:                                 ; 7 instructions per digit, 8 digits
        rol ebx, 4
        mov eax, ebx
        and eax, 15
        mov al, [hexdigits + eax]
        out DEBUGCON, al
        dec ecx
        jnz .digit

        mov al, 10                      ; 4 instructions, the last one ends the run
        out DEBUGCON, al
        xor eax, eax
        out DEBUGEXIT, al
        cli
.stop:  hlt
        jmp .stop

hexdigits: db "0123456789abcdef"
        align 4, db 0
table:  times 16 dd 0
