; align_check: alignment checking (SDM vol. 3 6.15 "Interrupt 17"): #AC(0)
; for a misaligned word/dword access at CPL 3 when CR0.AM=1 and
; EFLAGS.AC=1; none when the access is aligned, when AM or AC is 0, or at
; CPL 0; a misaligned push (ESP misaligned) is checked too; AC set by POPF
; at ring 3 takes effect.
;
; QEMU 7.2 (TCG) does not implement alignment checking at all (no #AC ever);
; bochs does. The reference transcript is bochs' (QEMU's: align_check.qemu.txt).
; area: alignment check
; reference: bochs

%define KERNEL_NAME "align_check"
%include "lib/kernel.inc"

DATA    equ SCRATCH

; AC3 "text", eflags ... AC3END: a ring-3 check
%macro AC3 2
        PRINT %1
        TRY %%b, "r3"
        TO_RING3 %%b, %2
%%b:
%endmacro
%macro AC3END 0
        RING3_DONE
        ENDTRY
%endmacro

        bits 32
main:
        mov eax, cr0
        or eax, CR0_AM
        mov cr0, eax
        AC3 "am=1 ac=1 cpl 3: dword [DATA+0]: ", FL_1 | FL_AC
        mov eax, [ss:DATA]
        AC3END
        AC3 "am=1 ac=1 cpl 3: dword [DATA+2]: ", FL_1 | FL_AC
        mov eax, [ss:DATA + 2]
        AC3END
        AC3 "am=1 ac=1 cpl 3: word [DATA+1]: ", FL_1 | FL_AC
        mov ax, [ss:DATA + 1]
        AC3END
        AC3 "am=1 ac=1 cpl 3: word [DATA+2]: ", FL_1 | FL_AC
        mov ax, [ss:DATA + 2]
        AC3END
        AC3 "am=1 ac=1 cpl 3: byte [DATA+3]: ", FL_1 | FL_AC
        mov al, [ss:DATA + 3]
        AC3END
        AC3 "am=1 ac=1 cpl 3: dword write [DATA+1]: ", FL_1 | FL_AC
        mov [ss:DATA + 1], eax
        AC3END
        AC3 "am=1 ac=1 cpl 3: push with esp=bffe: ", FL_1 | FL_AC
        mov esp, 0xBFFE
        push eax
        AC3END
        AC3 "am=1 ac=0 cpl 3: dword [DATA+2]: ", FL_1
        mov eax, [ss:DATA + 2]
        AC3END
        AC3 "am=1, ac set by popfd at cpl 3: dword [DATA+2]: ", FL_1
        push dword FL_1 | FL_AC
        popfd
        mov eax, [ss:DATA + 2]
        AC3END
        PRINT "am=1 ac=1 cpl 0: dword [DATA+2]: "
        TRY
        push dword FL_1 | FL_AC
        popfd
        mov eax, [DATA + 2]
        push dword FL_1
        popfd
        ENDTRY
        mov eax, cr0
        and eax, ~CR0_AM
        mov cr0, eax
        AC3 "am=0 ac=1 cpl 3: dword [DATA+2]: ", FL_1 | FL_AC
        mov eax, [ss:DATA + 2]
        AC3END
        EXIT 0

%include "lib/tail.inc"
